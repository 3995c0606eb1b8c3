using System.Diagnostics.Metrics;

namespace SseFunctions.Streaming.Diagnostics;

/// <summary>The service's instruments, on the meter <see cref="MeterName"/>.</summary>
public sealed class SseMetrics : IDisposable
{
    public const string MeterName = "SseFunctions.Streaming";

    private readonly Meter meter;
    private readonly UpDownCounter<long> streamsOpen;
    private readonly UpDownCounter<long> sessionsOpen;
    private readonly Counter<long> tokensSent;
    private readonly Counter<long> messagesDropped;
    private readonly Counter<long> messagesDeadLettered;
    private readonly Counter<long> streamsEnded;
    private readonly Histogram<double> tokenLatency;

    public SseMetrics(IMeterFactory meterFactory)
    {
        meter = meterFactory.Create(MeterName);
        streamsOpen = meter.CreateUpDownCounter<long>("sse.streams.open", description: "SSE streams currently open.");
        sessionsOpen = meter.CreateUpDownCounter<long>("sse.sessions.open", description: "Service Bus sessions currently held by this instance.");
        tokensSent = meter.CreateCounter<long>("sse.tokens.sent", description: "Token events flushed to clients.");
        messagesDropped = meter.CreateCounter<long>("sse.messages.dropped", description: "Messages completed without a stream to send them to.");
        messagesDeadLettered = meter.CreateCounter<long>("sse.messages.dead_lettered", description: "Malformed messages moved to the dead-letter queue.");
        streamsEnded = meter.CreateCounter<long>("sse.streams.ended", description: "Streams ended, by outcome.");
        tokenLatency = meter.CreateHistogram<double>("sse.token.latency", unit: "ms", description: "From the message's enqueued time to the flush of its event.");
    }

    public void StreamOpened() => streamsOpen.Add(1);

    public void StreamClosed(string outcome)
    {
        streamsOpen.Add(-1);
        streamsEnded.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
    }

    public void SessionOpened() => sessionsOpen.Add(1);

    public void SessionClosed() => sessionsOpen.Add(-1);

    public void TokensSent(int count) => tokensSent.Add(count);

    public void MessageDropped() => messagesDropped.Add(1);

    public void MessageDeadLettered() => messagesDeadLettered.Add(1);

    public void TokenDelivered(DateTimeOffset enqueuedTime, DateTimeOffset flushedTime)
    {
        if (enqueuedTime != default && tokenLatency.Enabled)
        {
            // The enqueued time is an AMQP timestamp, to the millisecond: a faster delivery can look negative.
            tokenLatency.Record(Math.Max(0, (flushedTime - enqueuedTime).TotalMilliseconds));
        }
    }

    public void Dispose() => meter.Dispose();
}
