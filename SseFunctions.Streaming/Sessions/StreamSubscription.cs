namespace SseFunctions.Streaming.Sessions;

/// <summary>One SSE stream's hold on a chat message's deliveries. Dispose to leave: deliveries not yet completed stay
/// in the subscription (a reconnect replays them; otherwise closing the receiver returns them to Service Bus).</summary>
public sealed class StreamSubscription : IAsyncDisposable
{
    private readonly SessionPump pump;
    private readonly ChatMessageRoute route;
    private int disposed;

    internal StreamSubscription(SessionPump pump, ChatMessageRoute route)
    {
        this.pump = pump;
        this.route = route;
    }

    public string SessionId => pump.SessionId;

    public string ChatMessageId => route.ChatMessageId;

    /// <summary>Completes when deliveries (or a reason to stop) are there, or when <see cref="Wake"/> is called.</summary>
    public Task WaitAsync() => route.WaitAsync(this);

    /// <summary>Ends a <see cref="WaitAsync"/> early, for the stream to look again (a deadline, a cancellation).</summary>
    public void Wake() => route.Wake();

    /// <summary>Adds up to <paramref name="max"/> deliveries to <paramref name="batch"/>.</summary>
    /// <exception cref="SessionStreamException">The session failed for good, or a newer stream took this one over.</exception>
    public void Take(List<SessionDelivery> batch, int max) => route.Take(this, batch, max);

    /// <summary>Completes deliveries whose events were flushed to the client. Returns at once: the settlements go to
    /// Service Bus concurrently, off the stream's path; <paramref name="batch"/> may be reused right away.</summary>
    public void Complete(IReadOnlyList<SessionDelivery> batch)
    {
        if (route.MarkCompleted(this, batch))
        {
            pump.Complete(batch);
        }
    }

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            pump.Leave(this, route);
        }

        return ValueTask.CompletedTask;
    }
}
