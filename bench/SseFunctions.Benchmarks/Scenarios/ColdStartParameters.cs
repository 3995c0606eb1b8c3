using System.Globalization;

namespace SseFunctions.Benchmarks.Scenarios;

/// <summary>
/// The cold-start workload: <see cref="Tokens"/> tokens over <see cref="Streams"/> streams at
/// <see cref="TokensPerSecondPerStream"/> each, run first on a freshly started service process (its first tokens), then
/// <see cref="WarmUpRounds"/> times more unmeasured, then once more measured (the same process, warm).
/// </summary>
public sealed record ColdStartParameters(int Tokens, int Streams = 20, double TokensPerSecondPerStream = 20, int WarmUpRounds = 3)
{
    public int TokensPerStream => Math.Max(1, Tokens / Streams);

    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"cold start: first {Streams * TokensPerStream} tokens ({Streams} streams, {TokensPerStream} tok @ {TokensPerSecondPerStream:0.##}/s each)");
}
