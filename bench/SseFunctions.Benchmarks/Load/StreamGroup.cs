using SseFunctions.Benchmarks.Measurement;

namespace SseFunctions.Benchmarks.Load;

/// <summary>Streams opened together: opened with bounded concurrency (a listen backlog is finite), read in the
/// background, awaited to their end with a deadline, and summed up.</summary>
public sealed class StreamGroup : IDisposable
{
    private const int MaxConcurrentOpens = 200;

    private StreamGroup(IReadOnlyList<TokenStream> streams) => Streams = streams;

    public IReadOnlyList<TokenStream> Streams { get; }

    public int FailedCount => Streams.Count(s => s.Failure is not null);

    public string? FirstFailure => Streams.Select(s => s.Failure).FirstOrDefault(f => f is not null);

    public long TokensReceived => Streams.Sum(s => (long)s.TokensReceived);

    /// <summary>Opens every stream (request → headers) and starts reading each as soon as it is open.</summary>
    public static async Task<StreamGroup> OpenAsync(Func<StreamAddress, TokenStream> create, IReadOnlyList<StreamAddress> addresses, CancellationToken readingToken, CancellationToken cancellationToken)
    {
        var group = new StreamGroup(addresses.Select(create).ToArray());
        try
        {
            await Parallel.ForEachAsync(
                group.Streams,
                new ParallelOptions { MaxDegreeOfParallelism = MaxConcurrentOpens, CancellationToken = cancellationToken },
                async (stream, token) =>
                {
                    if (await stream.OpenAsync(token))
                    {
                        stream.StartReading(readingToken);
                    }
                });
            return group;
        }
        catch
        {
            group.Dispose();
            await group.WaitReadingAsync(TimeSpan.FromSeconds(10));
            throw;
        }
    }

    public LatencySummary OpenLatency() =>
        LatencySummary.FromTicks(Streams.Where(s => s.OpenedAt != 0).Select(s => s.OpenedAt - s.OpenStartedAt));

    public LatencySummary TokenLatency() => LatencySummary.FromTicks(Streams.SelectMany(s => s.LatencyTicks));

    public LatencySummary TimeToFirstToken() =>
        LatencySummary.FromTicks(Streams.Where(s => s.FirstTokenAt != 0).Select(s => s.FirstTokenAt - s.OpenStartedAt));

    /// <summary>The last end marker's arrival; 0 when no stream ended.</summary>
    public long LastEndedAt => Streams.Max(s => s.EndedAt);

    /// <summary>Waits until every stream has ended (or failed); false when <paramref name="timeout"/> passed first, then the rest are disconnected.</summary>
    public async Task<bool> WaitAllEndedAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(Streams.Select(s => s.Reading)).WaitAsync(timeout, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            Dispose();
            await WaitReadingAsync(TimeSpan.FromSeconds(10));
            return false;
        }
    }

    public void Dispose()
    {
        foreach (var stream in Streams)
        {
            stream.Dispose();
        }
    }

    private async Task WaitReadingAsync(TimeSpan timeout) =>
        await Task.WhenAll(Streams.Select(s => s.Reading)).WaitAsync(timeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
}
