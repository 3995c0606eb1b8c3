using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SseFunctions.Streaming.Configuration;
using SseFunctions.Streaming.Diagnostics;
using SseFunctions.Streaming.ServiceBus;
using SseFunctions.Streaming.Sessions;
using SseFunctions.Tests.Engine.Fakes;
using SseFunctions.Tests.Support;

namespace SseFunctions.Tests.Engine;

/// <summary>Which connection each session's receiver is accepted on: the hub takes a lease of the client pool per
/// session and gives it back when the session's receiver is closed for good.</summary>
public sealed class SessionHubConnectionTests : IAsyncDisposable
{
    private readonly FakeServiceBusClient primary = new();
    private readonly List<FakeServiceBusClient> opened = [];
    private readonly ServiceBusClientPool pool;
    private readonly SessionHub hub;

    public SessionHubConnectionTests()
    {
        pool = new ServiceBusClientPool(primary, () => { var client = new FakeServiceBusClient(); opened.Add(client); return client; }, sessionsPerConnection: 2);
        hub = new SessionHub(pool, Options.Create(new SseStreamingOptions()), new SseMetrics(new TestMeterFactory()), NullLoggerFactory.Instance, TimeProvider.System);
    }

    [Fact]
    public async Task Sessions_beyond_a_connections_share_are_accepted_on_the_next_connection()
    {
        await using var first = await hub.SubscribeAsync("s1", "m", default);
        await using var second = await hub.SubscribeAsync("s2", "m", default);
        await using var sameSession = await hub.SubscribeAsync("s2", "other", default);
        await using var third = await hub.SubscribeAsync("s3", "m", default);

        primary.AcceptCount.Should().Be(2, "two sessions fill the first connection; a second stream of a session needs no receiver");
        opened.Should().ContainSingle().Which.AcceptCount.Should().Be(1);
        opened[0].ReceiverOf("s3").Should().NotBeNull();
        pool.LeaseCount.Should().Be(3);
    }

    [Fact]
    public async Task A_session_gives_its_place_back_when_its_receiver_closes_and_the_place_is_used_again()
    {
        var first = await hub.SubscribeAsync("s1", "m", default);
        await using var second = await hub.SubscribeAsync("s2", "m", default);
        await first.DisposeAsync();
        await Eventually.TrueAsync(() => primary.ReceiverOf("s1").Closed && pool.LeaseCount == 1, "the session's receiver closes, then its lease is returned");

        await using var third = await hub.SubscribeAsync("s3", "m", default);

        primary.ReceiverOf("s3").Should().NotBeNull("the freed place on the first connection is taken before a new connection is opened");
        opened.Should().BeEmpty();
    }

    public async ValueTask DisposeAsync()
    {
        await hub.DisposeAsync();
        await pool.DisposeAsync();
    }
}
