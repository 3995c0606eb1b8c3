using System.Globalization;

namespace SseFunctions.Benchmarks.Scenarios;

/// <summary>The workload of one scenario, the same for every target.</summary>
public sealed record ScenarioParameters(int Streams, int TokensPerStream, double TokensPerSecondPerStream, int DrainTokensPerStream, int ReleaseProbes)
{
    /// <summary>Streams of the warm-up round, which runs first and is not measured.</summary>
    public int WarmUpStreams => Math.Min(Streams, 50);

    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"{Streams} stream{(Streams == 1 ? "" : "s")}, {TokensPerStream} tok @ {TokensPerSecondPerStream:0.##}/s each");
}
