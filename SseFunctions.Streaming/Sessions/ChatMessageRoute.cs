namespace SseFunctions.Streaming.Sessions;

/// <summary>
/// The deliveries of one chat message within a session, in order, from receipt until completion. One stream owns
/// the route at a time; a newer stream for the same chat message takes it over and replays what is not yet completed,
/// so a browser that reconnects before the old connection is noticed as dead loses nothing.
/// </summary>
internal sealed class ChatMessageRoute(string chatMessageId)
{
    private readonly object gate = new();
    private readonly List<SessionDelivery> pending = [];
    private int cursor;
    private StreamSubscription? owner;
    private TaskCompletionSource<bool>? waiter;
    private Exception? failure;

    public string ChatMessageId { get; } = chatMessageId;

    /// <summary>The end marker or a producer error has been routed: nothing more belongs to this route.</summary>
    public bool HasEnded { get; private set; }

    public bool HasOwner
    {
        get { lock (gate) { return owner is not null; } }
    }

    public bool IsFinished
    {
        get { lock (gate) { return HasEnded && pending.Count == 0; } }
    }

    public void Attach(StreamSubscription subscription)
    {
        TaskCompletionSource<bool>? previousWaiter;
        lock (gate)
        {
            owner = subscription;
            cursor = 0;
            previousWaiter = waiter;
            waiter = null;
        }

        previousWaiter?.TrySetResult(true);
    }

    /// <summary>Returns true when <paramref name="subscription"/> was the owner (and the route is now ownerless).</summary>
    public bool Detach(StreamSubscription subscription)
    {
        lock (gate)
        {
            if (owner != subscription)
            {
                return false;
            }

            owner = null;
            cursor = 0;
            return true;
        }
    }

    public void Enqueue(SessionDelivery delivery)
    {
        TaskCompletionSource<bool>? toWake;
        lock (gate)
        {
            pending.Add(delivery);
            HasEnded |= delivery.Content.Kind != Messages.TokenStreamMessageKind.Token;
            toWake = waiter;
            waiter = null;
        }

        toWake?.TrySetResult(true);
    }

    /// <summary>The receiver's locks are gone (lock lost, connection lost): what it delivered will be delivered again.</summary>
    public void ForgetDeliveries()
    {
        lock (gate)
        {
            pending.Clear();
            cursor = 0;
            HasEnded = false;
        }
    }

    public void Fail(Exception exception)
    {
        TaskCompletionSource<bool>? toWake;
        lock (gate)
        {
            failure = exception;
            toWake = waiter;
            waiter = null;
        }

        toWake?.TrySetResult(true);
    }

    /// <summary>Waits until there is something to take (or a reason to stop); false when <paramref name="timeout"/> passed first.</summary>
    public async ValueTask<bool> WaitAsync(StreamSubscription subscription, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task<bool> signal;
        lock (gate)
        {
            if (owner != subscription || failure is not null || cursor < pending.Count)
            {
                return true;
            }

            waiter ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            signal = waiter.Task;
        }

        try
        {
            return await signal.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Moves up to <paramref name="max"/> deliveries not yet taken into <paramref name="batch"/>.</summary>
    public void Take(StreamSubscription subscription, List<SessionDelivery> batch, int max)
    {
        lock (gate)
        {
            if (owner != subscription)
            {
                throw new SessionStreamException("A newer connection for this chat message took the stream over.");
            }

            if (failure is not null && cursor >= pending.Count)
            {
                throw new SessionStreamException("The Service Bus session could not be kept.", failure);
            }

            var count = Math.Min(max, pending.Count - cursor);
            for (var i = 0; i < count; i++)
            {
                batch.Add(pending[cursor + i]);
            }

            cursor += count;
        }
    }

    /// <summary>Removes completed deliveries; false when <paramref name="subscription"/> is no longer the owner, whose
    /// deliveries must then not be settled: the new owner sends them again.</summary>
    public bool MarkCompleted(StreamSubscription subscription, IReadOnlyList<SessionDelivery> batch)
    {
        lock (gate)
        {
            if (owner != subscription)
            {
                return false;
            }

            var removed = 0;
            while (removed < batch.Count && removed < pending.Count && ReferenceEquals(pending[removed], batch[removed]))
            {
                removed++;
            }

            pending.RemoveRange(0, removed);
            cursor = Math.Max(0, cursor - removed);
            return true;
        }
    }
}
