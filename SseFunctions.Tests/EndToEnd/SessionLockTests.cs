using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using SseFunctions.LocalServiceBus;
using SseFunctions.Tests.Support;

namespace SseFunctions.Tests.EndToEnd;

/// <summary>A stream that stays open longer than the subscription's lock duration keeps its session.</summary>
public sealed class SessionLockTests : IDisposable
{
    private readonly ShortLockBrokerConfig brokerConfig = new(lockSeconds: 2);

    [Fact]
    public async Task The_session_lock_is_renewed_while_a_stream_waits_past_the_lock_duration()
    {
        var broker = await LocalServiceBusHost.StartAsync(new LocalServiceBusOptions { Port = 0, ConfigPath = brokerConfig.Path });
        await using var server = await StreamingServer.StartAsync(broker: broker);
        var accepts = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "sse.sessions.open" && ReferenceEquals(instrument.Meter.Scope, server.App.Services.GetRequiredService<IMeterFactory>()))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) =>
        {
            if (value > 0)
            {
                Interlocked.Increment(ref accepts);
            }
        });
        listener.Start();
        var (session, message) = StreamingTests.NewIds();
        await using var stream = await server.ConnectAsync(session, message);
        await server.Publisher.SendTokensAsync(session, message, "early");
        (await stream.ReadDataAsync()).Data.Should().Be("{\"token\":\"early\"}");

        await Task.Delay(TimeSpan.FromSeconds(5));
        server.Broker.IsSessionLocked(StreamingServer.Subscription, session).Should().BeTrue();
        await server.Publisher.SendTokensAsync(session, message, "late");
        await server.Publisher.SendEndAsync(session, message);

        (await stream.ReadToEndAsync()).Select(e => e.Data).Should().Equal("{\"token\":\"late\"}", "__END__");
        accepts.Should().Be(1, "the lock was renewed, never lost and taken again");
    }

    public void Dispose() => brokerConfig.Dispose();
}
