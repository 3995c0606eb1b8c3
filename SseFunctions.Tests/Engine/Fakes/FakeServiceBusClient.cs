using SseFunctions.Streaming.ServiceBus;

namespace SseFunctions.Tests.Engine.Fakes;

/// <summary>Hands out one <see cref="FakeSessionReceiver"/> per accepted session.</summary>
public sealed class FakeServiceBusClient : ServiceBusClient
{
    public Dictionary<string, FakeSessionReceiver> Receivers { get; } = [];

    public override Task<ServiceBusSessionReceiver> AcceptSessionAsync(string topicName, string subscriptionName, string sessionId, ServiceBusSessionReceiverOptions? options = null, CancellationToken cancellationToken = default)
    {
        lock (Receivers)
        {
            var receiver = Receivers[sessionId] = new FakeSessionReceiver(sessionId);
            return Task.FromResult<ServiceBusSessionReceiver>(receiver);
        }
    }

    public FakeSessionReceiver ReceiverOf(string sessionId)
    {
        lock (Receivers)
        {
            return Receivers[sessionId];
        }
    }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
