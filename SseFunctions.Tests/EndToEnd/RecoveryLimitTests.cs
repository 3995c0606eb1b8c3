using System.Text.Json;
using SseFunctions.Tests.Support;

namespace SseFunctions.Tests.EndToEnd;

/// <summary>Limits that need the engine tuned below its settings (a 1 s recovery window): the in-process DevServer only.</summary>
public class RecoveryLimitTests
{
    [Fact]
    public async Task A_broker_gone_for_good_mid_stream_ends_it_with_an_error_frame()
    {
        await using var server = await StreamingServer.StartAsync(tune: o => o.SessionRecoveryTimeout = TimeSpan.FromSeconds(1));
        var (session, message) = StreamingTests.NewIds();
        await using var stream = await server.ConnectAsync(session, message);
        await server.Publisher.SendTokensAsync(session, message, "1");
        (await stream.ReadDataAsync()).Data.Should().Be("{\"token\":\"1\"}");

        await server.Broker.SuspendAsync();

        var last = (await stream.ReadToEndAsync(TimeSpan.FromSeconds(20)))[^1];
        JsonDocument.Parse(last.Data!).RootElement.GetProperty("error").GetString().Should().NotBeNullOrEmpty();
        await server.Broker.ResumeAsync();
    }
}
