using System.Threading.Tasks.Sources;

namespace SseFunctions.Streaming.Sessions;

/// <summary>
/// Wakes one stream when deliveries arrive, when its wait times out, or when the client leaves. One wait at a time,
/// reused for the life of the stream: no task, timer or registration is allocated per wait, which matters at tens of
/// thousands of wake-ups a second. A wake-up that races a timeout may wake the next wait early; callers re-check.
/// </summary>
internal sealed class DeliverySignal : IValueTaskSource<bool>, IDisposable
{
    private const int Idle = 0;
    private const int Waiting = 1;
    private const int Completed = 2;

    private readonly ITimer timer;
    private ManualResetValueTaskSourceCore<bool> core = new() { RunContinuationsAsynchronously = true };
    private CancellationTokenRegistration cancellation;
    private int state;

    public DeliverySignal(TimeProvider timeProvider) =>
        timer = timeProvider.CreateTimer(static signal => ((DeliverySignal)signal!).Complete(false), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    /// <summary>Starts a wait that ends with true on <see cref="Set"/>, false after <paramref name="timeout"/>, or
    /// an <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> is cancelled.</summary>
    public ValueTask<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        core.Reset();
        Volatile.Write(ref state, Waiting);
        timer.Change(timeout, Timeout.InfiniteTimeSpan);
        if (cancellationToken.CanBeCanceled)
        {
            cancellation = cancellationToken.UnsafeRegister(static (signal, token) => ((DeliverySignal)signal!).Cancel(token), this);
        }

        return new ValueTask<bool>(this, core.Version);
    }

    public void Set() => Complete(true);

    public void Dispose()
    {
        timer.Dispose();
        cancellation.Dispose();
    }

    bool IValueTaskSource<bool>.GetResult(short token)
    {
        try
        {
            return core.GetResult(token);
        }
        finally
        {
            Volatile.Write(ref state, Idle);
        }
    }

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => core.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? continuationState, short token, ValueTaskSourceOnCompletedFlags flags) =>
        core.OnCompleted(continuation, continuationState, token, flags);

    private void Complete(bool result)
    {
        if (TryFinishWait())
        {
            core.SetResult(result);
        }
    }

    private void Cancel(CancellationToken cancellationToken)
    {
        if (TryFinishWait())
        {
            core.SetException(new OperationCanceledException(cancellationToken));
        }
    }

    private bool TryFinishWait()
    {
        if (Interlocked.CompareExchange(ref state, Completed, Waiting) != Waiting)
        {
            return false;
        }

        timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        cancellation.Unregister();
        return true;
    }
}
