using Azure.Messaging.ServiceBus;

namespace SseFunctions.Tests.Engine.Fakes;

/// <summary>Hands out a new <see cref="FakeSessionReceiver"/> for every accepted session, or the next failure queued.</summary>
public sealed class FakeServiceBusClient(TimeProvider? timeProvider = null) : ServiceBusClient
{
    private readonly TimeProvider time = timeProvider ?? TimeProvider.System;
    private readonly List<FakeSessionReceiver> accepted = [];
    private readonly Queue<Exception> acceptFailures = new();

    /// <summary>The lock duration the fake broker grants and each renewal extends.</summary>
    public TimeSpan LockDuration { get; set; } = TimeSpan.FromMinutes(1);

    public int AcceptCount
    {
        get { lock (accepted) { return accepted.Count + FailedAccepts; } }
    }

    public int FailedAccepts { get; private set; }

    /// <summary>The next accepts fail with these, in order.</summary>
    public void FailNextAccepts(params Exception[] failures)
    {
        lock (accepted)
        {
            foreach (var failure in failures)
            {
                acceptFailures.Enqueue(failure);
            }
        }
    }

    public override Task<ServiceBusSessionReceiver> AcceptSessionAsync(string topicName, string subscriptionName, string sessionId, ServiceBusSessionReceiverOptions? options = null, CancellationToken cancellationToken = default)
    {
        lock (accepted)
        {
            if (acceptFailures.TryDequeue(out var failure))
            {
                FailedAccepts++;
                return Task.FromException<ServiceBusSessionReceiver>(failure);
            }

            var receiver = new FakeSessionReceiver(sessionId, time, LockDuration);
            accepted.Add(receiver);
            return Task.FromResult<ServiceBusSessionReceiver>(receiver);
        }
    }

    /// <summary>The receiver most recently accepted for <paramref name="sessionId"/>.</summary>
    public FakeSessionReceiver ReceiverOf(string sessionId)
    {
        lock (accepted)
        {
            return accepted.Last(r => r.SessionId == sessionId);
        }
    }

    public IReadOnlyList<FakeSessionReceiver> ReceiversOf(string sessionId)
    {
        lock (accepted)
        {
            return accepted.Where(r => r.SessionId == sessionId).ToArray();
        }
    }

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
