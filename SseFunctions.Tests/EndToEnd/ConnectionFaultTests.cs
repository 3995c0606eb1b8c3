using Microsoft.Extensions.Time.Testing;
using SseFunctions.LocalServiceBus;
using SseFunctions.Streaming.Configuration;
using SseFunctions.Tests.Support;

namespace SseFunctions.Tests.EndToEnd;

/// <summary>
/// The network between the service and the broker breaks mid-answer (a relay cuts or holds back its connections), and
/// a client leaves while the service's clock stands still: on the DevServer, whose engine the test can reach.
/// </summary>
public sealed class ConnectionFaultTests : IDisposable
{
    private readonly ShortLockBrokerConfig brokerConfig = new(lockSeconds: 1);

    [Fact]
    public async Task A_client_that_leaves_releases_its_session_without_waiting_for_any_timer()
    {
        // The engine's clock stands still: no heartbeat, check or deadline can fire, so only the disconnect can release it.
        await using var server = await StreamingServer.StartAsync(clock: new FakeTimeProvider(DateTimeOffset.UtcNow));
        var (session, message) = StreamingTests.NewIds();
        var stream = await server.ConnectAsync(session, message);
        await server.Publisher.SendTokensAsync(session, message, "seen");
        (await stream.ReadDataAsync()).Data.Should().Be("{\"token\":\"seen\"}");
        await Eventually.TrueAsync(() => server.Broker.IsSessionLocked(StreamingServer.Subscription, session));

        await stream.DisposeAsync();

        await Eventually.TrueAsync(() => !server.Broker.IsSessionLocked(StreamingServer.Subscription, session), "the session is released on the disconnect itself");
    }

    [Fact]
    public async Task A_connection_cut_while_its_settlements_were_held_back_redelivers_them_and_the_client_sees_each_token_once()
    {
        var broker = await LocalServiceBusHost.StartAsync(new LocalServiceBusOptions { Port = 0, LoggerFactory = TestLogs.BrokerLogging() });
        await using var relay = new TcpRelay(broker.Port);
        await using var server = await StartThroughAsync(relay, broker);
        var (session, message) = StreamingTests.NewIds();
        await using var stream = await server.ConnectAsync(session, message);
        await server.Publisher.SendTokensAsync(session, message, "1", "2");
        await ReadTokensAsync(stream, "1", "2");
        await Eventually.TrueAsync(() => server.Broker.ActiveMessageCount(StreamingServer.Subscription) + server.Broker.LockedMessageCount(StreamingServer.Subscription) == 0);

        relay.HoldUpstream();
        await server.Publisher.SendTokensAsync(session, message, "3", "4", "5");
        await ReadTokensAsync(stream, "3", "4", "5");
        await Eventually.TrueAsync(() => server.Broker.LockedMessageCount(StreamingServer.Subscription) == 3, "sent to the client, their completions held back in the relay");
        relay.CutAll();
        relay.ReleaseUpstream();

        await server.Publisher.SendTokensAsync(session, message, "6");
        await server.Publisher.SendEndAsync(session, message);
        (await stream.ReadToEndAsync(TimeSpan.FromSeconds(30))).Select(e => e.Data).Should().Equal(["{\"token\":\"6\"}", "__END__"], "3, 4 and 5 came again from Service Bus and were completed, not sent twice");
        relay.ConnectionCount.Should().BeGreaterThan(1, "the service connected again");
        await Eventually.TrueAsync(() => server.Broker.ActiveMessageCount(StreamingServer.Subscription) + server.Broker.LockedMessageCount(StreamingServer.Subscription) == 0);
    }

    [Fact]
    public async Task A_session_lock_lost_mid_answer_is_taken_again_and_the_answer_goes_on_without_loss_or_repeats()
    {
        var broker = await LocalServiceBusHost.StartAsync(new LocalServiceBusOptions { Port = 0, ConfigPath = brokerConfig.Path });
        await using var relay = new TcpRelay(broker.Port);
        await using var server = await StartThroughAsync(relay, broker);
        var (session, message) = StreamingTests.NewIds();
        await using var stream = await server.ConnectAsync(session, message);
        await server.Publisher.SendTokensAsync(session, message, "1");
        await ReadTokensAsync(stream, "1");

        // The completion of 1 goes to the broker after its flush: it must be there before the relay holds anything.
        await Eventually.TrueAsync(() => server.Broker.LockedMessageCount(StreamingServer.Subscription) == 0, "1 is completed");

        // Lock renewals (and the completion of 2) wait in the relay until the broker has let the lock go.
        relay.HoldUpstream();
        await server.Publisher.SendTokensAsync(session, message, "2");
        await ReadTokensAsync(stream, "2");
        await Eventually.TrueAsync(
            () => !server.Broker.IsSessionLocked(StreamingServer.Subscription, session) && server.Broker.ActiveMessageCount(StreamingServer.Subscription) == 1,
            "the 1 s lock runs out: the broker detaches the link and takes 2 back");
        relay.ReleaseUpstream();

        await server.Publisher.SendTokensAsync(session, message, "3");
        await server.Publisher.SendEndAsync(session, message);
        (await stream.ReadToEndAsync(TimeSpan.FromSeconds(30))).Select(e => e.Data).Should().Equal("{\"token\":\"3\"}", "__END__");
        server.Logs.Lines.Count(line => line.Contains("Session accepted")).Should().BeGreaterThan(1, "the lost session was accepted again");
    }

    public void Dispose() => brokerConfig.Dispose();

    /// <summary>The service reaches the broker through the relay (the server disposes the broker); the test publishes directly.</summary>
    private static Task<StreamingServer> StartThroughAsync(TcpRelay relay, LocalServiceBusHost broker) =>
        StreamingServer.StartAsync(
            new() { [SseStreamingOptionsReader.ConnectionStringSetting] = relay.ConnectionString(broker.ConnectionString) },
            tune: options => options.SessionRecoveryTimeout = TimeSpan.FromSeconds(30),
            broker: broker);

    private static async Task ReadTokensAsync(SseConnection stream, params string[] tokens)
    {
        foreach (var token in tokens)
        {
            (await stream.ReadDataAsync()).Data.Should().Be($"{{\"token\":\"{token}\"}}");
        }
    }
}
