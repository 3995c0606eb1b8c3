using System.IO.Pipelines;

namespace SseFunctions.Streaming.Streams;

/// <summary>
/// The response side of one stream: its body writer, and what may end it from outside, as one token for every wait
/// and flush: the client leaving, the host stopping, or a flush passing its deadline. A flush that has not reached the
/// connection (its result is completed or cancelled, or it threw) is never taken for sent.
/// </summary>
internal sealed class StreamConnection : IDisposable
{
    private readonly Action abort;
    private readonly CancellationToken aborted;
    private readonly CancellationToken stopping;
    private readonly CancellationTokenSource cancellation;
    private readonly CancellationTokenRegistration onAborted;
    private readonly CancellationTokenRegistration onStopping;
    private string deadlineOutcome = StreamOutcome.WriteTimeout;

    /// <param name="abort">Aborts the connection (a flush left waiting, or a frame half written, must not be completed later).</param>
    public StreamConnection(PipeWriter output, Action abort, CancellationToken aborted, CancellationToken stopping, TimeProvider timeProvider)
    {
        Output = output;
        this.abort = abort;
        this.aborted = aborted;
        this.stopping = stopping;

        // On the stream's clock, so that a flush's deadline is a timer of its TimeProvider.
        cancellation = new CancellationTokenSource(Timeout.InfiniteTimeSpan, timeProvider);
        onAborted = aborted.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), cancellation);
        onStopping = stopping.UnsafeRegister(static state => ((CancellationTokenSource)state!).Cancel(), cancellation);
    }

    public PipeWriter Output { get; }

    /// <summary>Cancelled when the client leaves, the host stops, or a flush passes its deadline.</summary>
    public CancellationToken Token => cancellation.Token;

    public bool IsStopping => stopping.IsCancellationRequested;

    /// <summary>Why <see cref="Token"/> was cancelled.</summary>
    public string CancelledOutcome =>
        aborted.IsCancellationRequested ? StreamOutcome.Disconnected
        : stopping.IsCancellationRequested ? StreamOutcome.Shutdown
        : deadlineOutcome;

    /// <summary>Flushes what was written; null when it reached the connection, otherwise the stream's outcome (the
    /// connection is then aborted). Only a flush that has to wait (the client is not reading) arms a timer.</summary>
    /// <param name="outcomeAtDeadline">The outcome when <paramref name="deadline"/> passes first.</param>
    public async ValueTask<string?> FlushAsync(TimeSpan deadline, string outcomeAtDeadline)
    {
        var armed = false;
        try
        {
            var flush = Output.FlushAsync(cancellation.Token);
            if (!flush.IsCompleted)
            {
                deadlineOutcome = outcomeAtDeadline;
                cancellation.CancelAfter(deadline);
                armed = true;
            }

            var result = await flush.ConfigureAwait(false);
            if (!result.IsCompleted && !result.IsCanceled)
            {
                return null;
            }
        }
        catch (Exception)
        {
            // Whatever the writer threw (reset, aborted, cancelled at the deadline): the frames did not reach the client.
        }
        finally
        {
            if (armed && !cancellation.IsCancellationRequested)
            {
                cancellation.CancelAfter(Timeout.InfiniteTimeSpan);
            }
        }

        abort();
        return cancellation.IsCancellationRequested ? CancelledOutcome : StreamOutcome.Disconnected;
    }

    /// <summary>Flushes a last frame if the connection takes it at once; otherwise aborts it (shutdown waits for nobody).</summary>
    public async ValueTask FlushOrAbortAsync()
    {
        using var giveUp = new CancellationTokenSource();
        try
        {
            var flush = Output.FlushAsync(giveUp.Token);
            if (!flush.IsCompleted)
            {
                await giveUp.CancelAsync().ConfigureAwait(false);
                abort();
            }

            await flush.ConfigureAwait(false);
        }
        catch (Exception)
        {
            abort();
        }
    }

    public void Abort() => abort();

    public void Dispose()
    {
        onAborted.Dispose();
        onStopping.Dispose();
        cancellation.Dispose();
    }
}
