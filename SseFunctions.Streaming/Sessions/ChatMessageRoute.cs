namespace SseFunctions.Streaming.Sessions;

/// <summary>
/// The deliveries of one chat message within a session, in order, from receipt until completion, at most
/// <see cref="Limit"/> at a time. One stream owns the route at a time; a newer stream for the same chat message takes it
/// over and replays what is not yet completed, so a browser that reconnects before the old connection is noticed as
/// dead loses nothing. A route without a stream holds its deliveries (unsettled) for the stream that joins, until
/// <see cref="SessionRouteTable"/> gives up on it: then it is abandoned, and what comes for it is dropped at once.
/// </summary>
internal sealed class ChatMessageRoute(string chatMessageId, int limit, TimeProvider timeProvider)
{
    private readonly object gate = new();
    private readonly List<SessionDelivery> pending = [];
    private int cursor;
    private StreamSubscription? owner;
    private TaskCompletionSource? waiter;
    private TaskCompletionSource? roomWaiter;
    private Exception? failure;
    private long ownerlessSince;
    private bool abandoned;

    public string ChatMessageId { get; } = chatMessageId;

    /// <summary>How many deliveries the route holds before the pump stops receiving for the session.</summary>
    public int Limit { get; } = limit;

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

    /// <summary>Deliveries received and not yet completed (taken or not).</summary>
    public int Count
    {
        get { lock (gate) { return pending.Count; } }
    }

    /// <summary>When the route has no stream and holds deliveries: the timestamp since which it has waited for one.</summary>
    public long? HeldSince
    {
        get { lock (gate) { return owner is null && !abandoned && pending.Count > 0 ? ownerlessSince : null; } }
    }

    public void Attach(StreamSubscription subscription)
    {
        TaskCompletionSource? previousWaiter;
        lock (gate)
        {
            owner = subscription;
            cursor = 0;
            abandoned = false;
            previousWaiter = waiter;
            waiter = null;
        }

        previousWaiter?.TrySetResult();
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
            ownerlessSince = timeProvider.GetTimestamp();
            return true;
        }
    }

    /// <summary>Adds <paramref name="delivery"/> (the pump then wakes the stream with <see cref="Wake"/>); false when the
    /// route was abandoned, and the delivery is the caller's to drop.</summary>
    public bool TryEnqueue(SessionDelivery delivery)
    {
        lock (gate)
        {
            HasEnded |= delivery.Content.Kind != Messages.TokenStreamMessageKind.Token;
            if (abandoned)
            {
                return false;
            }

            if (owner is null && pending.Count == 0)
            {
                ownerlessSince = timeProvider.GetTimestamp();
            }

            pending.Add(delivery);
        }

        return true;
    }

    /// <summary>Completes once the route has room for another delivery, or has no use for one (failed, abandoned).</summary>
    public Task WaitForRoomAsync(CancellationToken cancellationToken)
    {
        lock (gate)
        {
            if (pending.Count < Limit || failure is not null || abandoned)
            {
                return Task.CompletedTask;
            }

            roomWaiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return roomWaiter.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>The receiver's locks are gone (lock lost, connection lost): what it delivered will be delivered again.</summary>
    public void ForgetDeliveries()
    {
        TaskCompletionSource? room;
        lock (gate)
        {
            pending.Clear();
            cursor = 0;
            HasEnded = false;
            room = TakeRoomWaiter();
        }

        room?.TrySetResult();
    }

    /// <summary>No stream came in time: returns what the route held, for the caller to drop, and drops what comes later.</summary>
    public SessionDelivery[] Abandon()
    {
        TaskCompletionSource? room;
        SessionDelivery[] dropped;
        lock (gate)
        {
            abandoned = true;
            dropped = [.. pending];
            pending.Clear();
            cursor = 0;
            room = TakeRoomWaiter();
        }

        room?.TrySetResult();
        return dropped;
    }

    public void Fail(Exception exception)
    {
        TaskCompletionSource? toWake;
        TaskCompletionSource? room;
        lock (gate)
        {
            failure = exception;
            toWake = waiter;
            waiter = null;
            room = TakeRoomWaiter();
        }

        toWake?.TrySetResult();
        room?.TrySetResult();
    }

    /// <summary>Completes when there is something to take or a reason to stop, or when <see cref="Wake"/> is called
    /// (a deadline of the stream's, its connection cancelled): the stream then looks again.</summary>
    public Task WaitAsync(StreamSubscription subscription)
    {
        lock (gate)
        {
            if (owner != subscription || failure is not null || cursor < pending.Count)
            {
                return Task.CompletedTask;
            }

            // The stream goes on in the thread pool, not on the waker's thread: the pump's receive continuation runs on the
            // AMQP connection's reader, which every session of that connection shares.
            waiter ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return waiter.Task;
        }
    }

    /// <summary>Wakes the waiting stream, if any.</summary>
    public void Wake()
    {
        TaskCompletionSource? toWake;
        lock (gate)
        {
            toWake = waiter;
            waiter = null;
        }

        toWake?.TrySetResult();
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
                throw new SessionStreamException("The Service Bus session could not be kept.", failure, canRetry: true);
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
        TaskCompletionSource? room = null;
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
            if (pending.Count < Limit)
            {
                room = TakeRoomWaiter();
            }
        }

        room?.TrySetResult();
        return true;
    }

    private TaskCompletionSource? TakeRoomWaiter()
    {
        var room = roomWaiter;
        roomWaiter = null;
        return room;
    }
}
