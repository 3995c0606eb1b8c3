namespace SseFunctions.Benchmarks.Load;

/// <summary>
/// One consumer of one chat message's tokens, as the benchmark records it: when it was opened, each token's
/// publish-to-receipt time, the first token, the end, and why it failed if it did. Subclasses read from their source
/// (an SSE response, or a session receiver straight on the broker) and report what arrives.
/// </summary>
public abstract class TokenStream(StreamAddress address) : IDisposable
{
    private readonly List<long> latencyTicks = [];
    private readonly TaskCompletionSource firstToken = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StreamAddress Address { get; } = address;

    /// <summary>When the request was sent (Stopwatch ticks).</summary>
    public long OpenStartedAt { get; protected set; }

    /// <summary>When the stream was open (headers, or the session accepted).</summary>
    public long OpenedAt { get; protected set; }

    /// <summary>When the first token arrived; 0 until then.</summary>
    public long FirstTokenAt { get; private set; }

    /// <summary>When the end marker or an error arrived; 0 until then.</summary>
    public long EndedAt { get; private set; }

    public int TokensReceived { get; private set; }

    /// <summary>Why the stream did not end with its end marker; null while all is well.</summary>
    public string? Failure { get; protected set; }

    public bool Ended => EndedAt != 0 && Failure is null;

    /// <summary>Publish-to-receipt of each token whose text is a <see cref="TokenStamp"/>, in Stopwatch ticks.</summary>
    public IReadOnlyList<long> LatencyTicks => latencyTicks;

    /// <summary>Completes when the first token arrives (or reading stops).</summary>
    public Task FirstToken => firstToken.Task;

    /// <summary>The read loop, once <see cref="StartReading"/> started it.</summary>
    public Task Reading { get; private set; } = Task.CompletedTask;

    /// <summary>Opens the stream; false (with <see cref="Failure"/>) when it could not be opened.</summary>
    public abstract Task<bool> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Starts reading in the background until the stream ends; <see cref="Reading"/> is the loop, which never throws.</summary>
    public void StartReading(CancellationToken cancellationToken) => Reading = ReadAndSignalAsync(cancellationToken);

    /// <summary>Drops the stream at once, as a closed browser tab does.</summary>
    public abstract void Disconnect();

    public void Dispose()
    {
        Disconnect();
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }

    protected abstract Task ReadToEndAsync(CancellationToken cancellationToken);

    protected bool HasEnded => EndedAt != 0;

    /// <summary>A token arrived at <paramref name="receivedAt"/>; its text, when a <see cref="TokenStamp"/>, gives its latency.</summary>
    protected void RecordToken(long receivedAt, ReadOnlySpan<byte> text)
    {
        TokensReceived++;
        if (FirstTokenAt == 0)
        {
            FirstTokenAt = receivedAt;
            firstToken.TrySetResult();
        }

        if (TokenStamp.TryRead(text, out var publishedAt))
        {
            latencyTicks.Add(receivedAt - publishedAt);
        }
    }

    protected void RecordEnd(long receivedAt) => EndedAt = receivedAt;

    protected void RecordFailure(long receivedAt, string reason)
    {
        Failure ??= reason;
        EndedAt = receivedAt;
    }

    protected void SetFailure(string reason) => Failure ??= reason;

    private async Task ReadAndSignalAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ReadToEndAsync(cancellationToken);
        }
        finally
        {
            firstToken.TrySetResult();
        }
    }
}
