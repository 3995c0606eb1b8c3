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

    /// <summary>While set, accepts wait for it (the broker has not answered yet).</summary>
    public TaskCompletionSource? AcceptGate { get; set; }

    /// <summary>Every receiver is closed by the service as soon as it is accepted: a flapping session.</summary>
    public bool CloseReceiversOnAccept { get; set; }

    /// <summary>The trace the pump's last accept ran under.</summary>
    public System.Diagnostics.Activity? AcceptActivity { get; private set; }

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

    public override async Task<ServiceBusSessionReceiver> AcceptSessionAsync(string topicName, string subscriptionName, string sessionId, ServiceBusSessionReceiverOptions? options = null, CancellationToken cancellationToken = default)
    {
        AcceptActivity = System.Diagnostics.Activity.Current;
        if (AcceptGate is { } gate)
        {
            await gate.Task.WaitAsync(cancellationToken);
        }

        return await AcceptNowAsync(sessionId);
    }

    private Task<ServiceBusSessionReceiver> AcceptNowAsync(string sessionId)
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
            if (CloseReceiversOnAccept)
            {
                receiver.CloseByService();
            }

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
