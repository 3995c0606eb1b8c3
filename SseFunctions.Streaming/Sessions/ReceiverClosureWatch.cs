using Azure.Messaging.ServiceBus;

namespace SseFunctions.Streaming.Sessions;

/// <summary>
/// Notices a session receiver that Service Bus closed. When the service detaches a session link (lock lost, connection
/// lost) the SDK closes the receiver for good, but raises nothing, and a receive that was waiting may return only when
/// its wait ends. One timer for every receiver of the instance checks <see cref="ServiceBusReceiver.IsClosed"/> and
/// cancels the holder's token, so the session is accepted again within about one check interval.
/// </summary>
internal sealed class ReceiverClosureWatch : IDisposable
{
    private readonly object gate = new();
    private readonly HashSet<Registration> watched = [];
    private readonly ITimer timer;
    private readonly TimeSpan interval;
    private bool running;

    public ReceiverClosureWatch(TimeProvider timeProvider, TimeSpan interval)
    {
        this.interval = interval;
        timer = timeProvider.CreateTimer(static state => ((ReceiverClosureWatch)state!).Check(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Cancels <paramref name="onClosed"/> once <paramref name="receiver"/> is closed, until the registration is disposed.</summary>
    public IDisposable Watch(ServiceBusSessionReceiver receiver, CancellationTokenSource onClosed)
    {
        var registration = new Registration(this, receiver, onClosed);
        lock (gate)
        {
            watched.Add(registration);
            if (!running)
            {
                running = true;
                timer.Change(interval, interval);
            }
        }

        return registration;
    }

    public void Dispose() => timer.Dispose();

    private void Check()
    {
        List<Registration>? toCancel = null;
        lock (gate)
        {
            foreach (var registration in watched)
            {
                if (registration.Receiver.IsClosed)
                {
                    (toCancel ??= []).Add(registration);
                }
            }

            if (toCancel is not null)
            {
                watched.ExceptWith(toCancel);
                StopWhenEmpty();
            }
        }

        if (toCancel is not null)
        {
            foreach (var registration in toCancel)
            {
                registration.Cancel();
            }
        }
    }

    private void Remove(Registration registration)
    {
        lock (gate)
        {
            if (watched.Remove(registration))
            {
                StopWhenEmpty();
            }
        }
    }

    private void StopWhenEmpty()
    {
        if (watched.Count == 0 && running)
        {
            running = false;
            timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    private sealed class Registration(ReceiverClosureWatch owner, ServiceBusSessionReceiver receiver, CancellationTokenSource onClosed) : IDisposable
    {
        private int done;

        public ServiceBusSessionReceiver Receiver { get; } = receiver;

        public void Cancel()
        {
            if (Interlocked.Exchange(ref done, 1) == 0)
            {
                try
                {
                    onClosed.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // The holder let go in the meantime: nothing left to tell.
                }
            }
        }

        public void Dispose()
        {
            // After this the holder may dispose its token source: a check that already picked this one must not cancel it.
            Interlocked.Exchange(ref done, 1);
            owner.Remove(this);
        }
    }
}
