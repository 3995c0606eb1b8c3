using Microsoft.Extensions.Time.Testing;

namespace SseFunctions.Tests.Engine.Fakes;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that knows when each of its timers is due, so a test can wait until the code under
/// test has armed the timer it expects (say, a stream waiting until its next heartbeat) before it moves the clock:
/// timing then is exact, and no test depends on how fast the machine is.
/// </summary>
public sealed class ObservedTimeProvider() : FakeTimeProvider(DateTimeOffset.Parse("2026-01-01T00:00:00Z"))
{
    private readonly List<ObservedTimer> timers = [];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ObservedTimer(this);
        timer.Inner = base.CreateTimer(timer.Fire, (callback, state), Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        lock (timers)
        {
            timers.Add(timer);
        }

        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>The times at which armed timers are due.</summary>
    public IReadOnlyList<DateTimeOffset> Due
    {
        get
        {
            lock (timers)
            {
                return timers.Select(t => t.DueAt).OfType<DateTimeOffset>().Order().ToArray();
            }
        }
    }

    /// <summary>Waits (in real time, up to 5 s) until a timer is armed to fire at <paramref name="dueAt"/>.</summary>
    public async Task WaitForTimerAsync(DateTimeOffset dueAt, string because = "")
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!Due.Contains(dueAt))
        {
            if (DateTime.UtcNow > deadline)
            {
                Due.Should().Contain(dueAt, "a timer should be armed for {0} ({1}); now is {2}", dueAt.ToString("HH:mm:ss.fff"), because, GetUtcNow().ToString("HH:mm:ss.fff"));
            }

            await Task.Delay(2);
        }
    }

    /// <summary>Waits for a timer due <paramref name="after"/> from <paramref name="from"/>, then moves the clock to it.</summary>
    public async Task AdvanceToTimerAsync(DateTimeOffset from, TimeSpan after, string because = "")
    {
        await WaitForTimerAsync(from + after, because);
        SetUtcNow(from + after);
    }

    private sealed class ObservedTimer(ObservedTimeProvider owner) : ITimer
    {
        private TimeSpan period = Timeout.InfiniteTimeSpan;

        public ITimer Inner { get; set; } = null!;

        public DateTimeOffset? DueAt { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner.timers)
            {
                this.period = period;
                DueAt = dueTime == Timeout.InfiniteTimeSpan ? null : owner.GetUtcNow() + dueTime;
            }

            return Inner.Change(dueTime, period);
        }

        public void Fire(object? state)
        {
            lock (owner.timers)
            {
                DueAt = period == Timeout.InfiniteTimeSpan || period == TimeSpan.Zero ? null : DueAt + period;
            }

            var (callback, callbackState) = ((TimerCallback, object?))state!;
            callback(callbackState);
        }

        public void Dispose()
        {
            Forget();
            Inner.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            Forget();
            return Inner.DisposeAsync();
        }

        private void Forget()
        {
            lock (owner.timers)
            {
                DueAt = null;
                owner.timers.Remove(this);
            }
        }
    }
}
