using System.Diagnostics.CodeAnalysis;

namespace SseFunctions.Streaming.Sessions;

/// <summary>
/// Where the messages of one session go: the routes of its chat messages, the streams that joined them, and the
/// deliveries held for a stream that has not joined (yet). A route without a stream (its stream has not connected,
/// or left) holds what it received for <c>PendingTimeout</c>; then its deliveries are handed back to be dropped, as
/// are those that come for it later, until a stream joins it.
/// </summary>
internal sealed class SessionRouteTable : IDisposable
{
    private readonly object gate = new();
    private readonly Dictionary<string, ChatMessageRoute> routes = new(StringComparer.Ordinal);

    // Routes whose end marker has been routed but not yet completed: a takeover still joins them (and gets the end
    // marker), while a message for the same chat message that comes after it waits in a new route.
    private readonly List<ChatMessageRoute> ended = [];
    private readonly int routeLimit;
    private readonly TimeSpan pendingTimeout;
    private readonly TimeProvider timeProvider;
    private readonly Action<IReadOnlyList<SessionDelivery>> drop;
    private readonly ITimer sweep;
    private int subscriptions;
    private bool sweepArmed;
    private bool closed;

    /// <param name="drop">Completes and counts deliveries that no stream took in time; called outside the table's lock.</param>
    public SessionRouteTable(int routeLimit, TimeSpan pendingTimeout, TimeProvider timeProvider, Action<IReadOnlyList<SessionDelivery>> drop)
    {
        this.routeLimit = routeLimit;
        this.pendingTimeout = pendingTimeout;
        this.timeProvider = timeProvider;
        this.drop = drop;
        sweep = timeProvider.CreateTimer(static state => ((SessionRouteTable)state!).Sweep(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Whether the last stream has left (or the session failed): the table takes no more streams.</summary>
    public bool IsClosed
    {
        get { lock (gate) { return closed; } }
    }

    /// <summary>Registers a stream; null when the table is closed (the hub then starts a new pump).</summary>
    public StreamSubscription? TryJoin(SessionPump pump, string chatMessageId)
    {
        lock (gate)
        {
            if (closed)
            {
                return null;
            }

            var route = FindEnded(chatMessageId);
            if (route is null && (!routes.TryGetValue(chatMessageId, out route) || route.IsFinished))
            {
                route = new ChatMessageRoute(chatMessageId, routeLimit, timeProvider);
                routes[chatMessageId] = route;
            }

            var subscription = new StreamSubscription(pump, route);
            route.Attach(subscription);
            subscriptions++;
            return subscription;
        }
    }

    /// <summary>Unregisters a stream; true when it was the last one, and the table is now closed.</summary>
    public bool Leave(StreamSubscription subscription, ChatMessageRoute route)
    {
        SessionDelivery[]? dropped = null;
        lock (gate)
        {
            if (closed)
            {
                return false;
            }

            if (route.Detach(subscription))
            {
                if (route.IsFinished || route.Count == 0)
                {
                    Remove(route);
                }
                else if (pendingTimeout == TimeSpan.Zero)
                {
                    dropped = route.Abandon();
                }
                else
                {
                    ArmSweep();
                }
            }

            closed = --subscriptions == 0;
            if (closed)
            {
                sweep.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
        }

        if (dropped is { Length: > 0 })
        {
            drop(dropped);
        }

        return closed;
    }

    /// <summary>Closes the table whatever streams it has (the session failed for good).</summary>
    public void Close()
    {
        lock (gate)
        {
            closed = true;
        }
    }

    /// <summary>Hands <paramref name="delivery"/> to its chat message's route, or holds it in a new one.</summary>
    /// <param name="routed">The route that took it: the pump wakes its stream, and waits for room in it when it is full.</param>
    /// <returns>False when nobody wants the delivery (its route was abandoned): the caller drops it.</returns>
    public bool TryRoute(SessionDelivery delivery, [NotNullWhen(true)] out ChatMessageRoute? routed)
    {
        routed = null;
        bool queued;
        SessionDelivery[]? dropped = null;
        lock (gate)
        {
            var chatMessageId = delivery.Content.ChatMessageId;
            if (!routes.TryGetValue(chatMessageId, out var route))
            {
                route = new ChatMessageRoute(chatMessageId, routeLimit, timeProvider);
                routes[chatMessageId] = route;
            }

            queued = route.TryEnqueue(delivery);
            if (route.HasEnded)
            {
                routes.Remove(chatMessageId);
                if (!route.IsFinished)
                {
                    ended.Add(route);
                }
            }

            if (queued && !route.HasOwner)
            {
                if (pendingTimeout == TimeSpan.Zero)
                {
                    dropped = route.Abandon();
                    Remove(route);
                }
                else
                {
                    ArmSweep();
                }
            }

            routed = queued ? route : null;
        }

        if (dropped is { Length: > 0 })
        {
            drop(dropped);
        }

        return queued;
    }

    /// <summary>The receiver's locks are gone: every route forgets its deliveries, which Service Bus delivers again.</summary>
    public void ForgetAllDeliveries()
    {
        lock (gate)
        {
            foreach (var route in ended)
            {
                route.ForgetDeliveries();
                if (route.HasOwner)
                {
                    // Its end marker comes again: the route is routable again, in place of any route held after it.
                    routes[route.ChatMessageId] = route;
                }
            }

            ended.Clear();
            foreach (var (chatMessageId, route) in routes.ToArray())
            {
                route.ForgetDeliveries();
                if (!route.HasOwner)
                {
                    routes.Remove(chatMessageId);
                }
            }
        }
    }

    public void FailAll(Exception exception)
    {
        lock (gate)
        {
            closed = true;
            foreach (var route in routes.Values.Concat(ended))
            {
                route.Fail(exception);
            }
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            closed = true;
        }

        sweep.Dispose();
    }

    private ChatMessageRoute? FindEnded(string chatMessageId)
    {
        for (var i = ended.Count - 1; i >= 0; i--)
        {
            if (ended[i].IsFinished)
            {
                ended.RemoveAt(i);
            }
            else if (ended[i].ChatMessageId == chatMessageId)
            {
                return ended[i];
            }
        }

        return null;
    }

    private void Remove(ChatMessageRoute route)
    {
        if (routes.TryGetValue(route.ChatMessageId, out var current) && current == route)
        {
            routes.Remove(route.ChatMessageId);
        }

        ended.Remove(route);
    }

    private void ArmSweep()
    {
        if (!sweepArmed)
        {
            sweepArmed = true;
            sweep.Change(pendingTimeout, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Abandons every route that has held its deliveries for <c>PendingTimeout</c> without a stream.</summary>
    private void Sweep()
    {
        List<SessionDelivery>? dropped = null;
        lock (gate)
        {
            sweepArmed = false;
            if (closed)
            {
                return;
            }

            var now = timeProvider.GetTimestamp();
            TimeSpan? next = null;
            foreach (var route in routes.Values.Concat(ended).ToArray())
            {
                if (route.HeldSince is not { } since)
                {
                    continue;
                }

                var left = pendingTimeout - timeProvider.GetElapsedTime(since, now);
                if (left > TimeSpan.Zero)
                {
                    next = next is null || left < next ? left : next;
                    continue;
                }

                (dropped ??= []).AddRange(route.Abandon());
                if (route.IsFinished)
                {
                    Remove(route);
                }
            }

            if (next is { } due)
            {
                sweepArmed = true;
                sweep.Change(due, Timeout.InfiniteTimeSpan);
            }
        }

        if (dropped is { Count: > 0 })
        {
            drop(dropped);
        }
    }
}
