using System.Diagnostics;
using SseFunctions.Tests.EndToEnd;
using SseFunctions.Tests.Support;
using Xunit.Abstractions;

namespace SseFunctions.Tests.Functions;

/// <summary>
/// Figures through the real Functions worker beside the DevServer: time to the first byte of a stream, publish →
/// event latency per token, and how soon a client's disconnect releases its session. A measuring tool, not a timed
/// test: it asserts only that every token arrived. Not part of ./test.sh; run it with
/// <c>dotnet test SseFunctions.Tests -c Release --filter Category=Measurement --logger "console;verbosity=detailed"</c>.
/// </summary>
[Trait("Category", "Measurement")]
public class FunctionsHostFigures(ITestOutputHelper output)
{
    private const int Connections = 20;
    private const int Tokens = 100;
    private const int ReleaseProbes = 10;

    [Theory]
    [InlineData(TestHostKind.DevServer)]
    [InlineData(TestHostKind.Functions)]
    public async Task Measure(TestHostKind host)
    {
        await using var server = await StreamingServer.StartAsync(new() { ["SSE_HEARTBEAT_SECONDS"] = "15" }, host: host);
        await WarmUpAsync(server);

        var firstByte = new List<double>();
        for (var i = 0; i < Connections; i++)
        {
            var (session, message) = StreamingTests.NewIds();
            var started = Stopwatch.GetTimestamp();
            await using var stream = await server.ConnectAsync(session, message);
            (await stream.ReadAsync())!.Comment.Should().Be("connected");
            firstByte.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        var perToken = new List<double>();
        var (tokenSession, tokenMessage) = StreamingTests.NewIds();
        await using (var stream = await server.ConnectAsync(tokenSession, tokenMessage))
        {
            await stream.ReadAsync();
            for (var i = 0; i < Tokens; i++)
            {
                var published = Stopwatch.GetTimestamp();
                await server.Publisher.SendTokensAsync(tokenSession, tokenMessage, $"t{i}");
                (await stream.ReadDataAsync()).Data.Should().Be($"{{\"token\":\"t{i}\"}}");
                perToken.Add(Stopwatch.GetElapsedTime(published).TotalMilliseconds);
            }
        }

        var release = new List<double>();
        for (var i = 0; i < ReleaseProbes; i++)
        {
            var (session, message) = StreamingTests.NewIds();
            var stream = await server.ConnectAsync(session, message);
            await server.Publisher.SendTokensAsync(session, message, "held");
            await stream.ReadDataAsync();
            var left = Stopwatch.GetTimestamp();
            await stream.DisposeAsync();
            while (server.Broker.IsSessionLocked(StreamingServer.Subscription, session))
            {
                await Task.Delay(1);
            }

            release.Add(Stopwatch.GetElapsedTime(left).TotalMilliseconds);
        }

        output.WriteLine($"{host}: first byte {Summary(firstByte)}; publish → event {Summary(perToken)}; session released after disconnect {Summary(release)}");
    }

    private static async Task WarmUpAsync(StreamingServer server)
    {
        var (session, message) = StreamingTests.NewIds();
        await using var stream = await server.ConnectAsync(session, message);
        await server.Publisher.SendTokensAsync(session, message, "warm");
        await server.Publisher.SendEndAsync(session, message);
        await stream.ReadToEndAsync();
    }

    private static string Summary(List<double> samples)
    {
        samples.Sort();
        double At(double q) => samples[(int)Math.Min(samples.Count - 1, Math.Round(q * (samples.Count - 1)))];
        return $"p50 {At(0.5):0.00} ms, p90 {At(0.9):0.00} ms, max {samples[^1]:0.00} ms (n={samples.Count})";
    }
}
