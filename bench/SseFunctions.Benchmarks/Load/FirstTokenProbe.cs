namespace SseFunctions.Benchmarks.Load;

/// <summary>
/// Time to first token with nothing else going on: a token is already waiting in a fresh session's subscription when
/// the client connects, as when a browser opens its stream just after the LLM worker started answering.
/// </summary>
public sealed class FirstTokenProbe(HttpClient http, Uri baseAddress, WorkloadPublisher publisher)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    /// <summary>Stopwatch ticks from the request until the first token event was parsed.</summary>
    public async Task<long> MeasureAsync(StreamAddress address, CancellationToken cancellationToken)
    {
        await publisher.PublishAsync([address], 1, null, cancellationToken);
        using var stream = new SseStreamClient(http, baseAddress, address);
        if (!await stream.OpenAsync(cancellationToken))
        {
            throw new InvalidOperationException($"The first-token probe's stream did not open: {stream.Failure}");
        }

        stream.StartReading(cancellationToken);
        await stream.Reading.WaitAsync(Deadline, cancellationToken);
        if (stream.FirstTokenAt == 0 || !stream.Ended)
        {
            throw new InvalidOperationException($"The first-token probe's stream did not get its token and end: {stream.Failure}");
        }

        return stream.FirstTokenAt - stream.OpenStartedAt;
    }
}
