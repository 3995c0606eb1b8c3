using System.Diagnostics;
using Azure.Messaging.ServiceBus;

namespace SseFunctions.Benchmarks.Load;

/// <summary>
/// Plays the LLM worker for every stream at once: each stream gets its tokens, each stamped with its publication time,
/// then its end marker. Paced, the streams' tokens are spread evenly in time (stream i is offset by i/N of a token
/// interval), as independent workers would send them, rather than in bursts of N. Sends are batched per time slice
/// on one sender link and pipelined, a bounded number of batches in flight.
/// </summary>
public sealed class WorkloadPublisher(ServiceBusSender sender)
{
    private const int MaxBatch = 256;
    private const int MaxBatchesInFlight = 16;
    private static readonly TimeSpan Slice = TimeSpan.FromMilliseconds(2);

    /// <param name="tokensPerSecondPerStream">null: as fast as the broker takes them (a backlog).</param>
    public async Task<PublishReport> PublishAsync(IReadOnlyList<StreamAddress> streams, int tokensPerStream, double? tokensPerSecondPerStream, CancellationToken cancellationToken)
    {
        var total = (long)streams.Count * (tokensPerStream + 1);
        var ticksPerMessage = tokensPerSecondPerStream is { } rate ? Stopwatch.Frequency / (rate * streams.Count) : 0;
        using var inFlight = new SemaphoreSlim(MaxBatchesInFlight);
        var sends = new List<Task>();
        var started = Stopwatch.GetTimestamp();
        long next = 0;
        long maxLagTicks = 0;
        try
        {
            while (next < total)
            {
                var due = ticksPerMessage == 0 ? total : Math.Min(total, (long)((Stopwatch.GetTimestamp() - started) / ticksPerMessage) + 1);
                if (due > next && ticksPerMessage > 0)
                {
                    maxLagTicks = Math.Max(maxLagTicks, Stopwatch.GetTimestamp() - started - (long)(next * ticksPerMessage));
                }

                while (next < due)
                {
                    var count = (int)Math.Min(MaxBatch, due - next);
                    var batch = new List<ServiceBusMessage>(count);
                    for (var i = 0; i < count; i++, next++)
                    {
                        var stream = streams[(int)(next % streams.Count)];
                        var index = next / streams.Count;
                        batch.Add(index < tokensPerStream ? TokenMessages.Token(stream, TokenStamp.Now()) : TokenMessages.End(stream));
                    }

                    await inFlight.WaitAsync(cancellationToken);
                    sends.Add(SendAsync(batch, inFlight, cancellationToken));
                }

                if (next < total)
                {
                    await Task.Delay(Slice, cancellationToken);
                }
            }

            await Task.WhenAll(sends);
        }
        catch
        {
            // Observe every batch before reporting the first failure.
            await Task.WhenAll(sends).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }

        return new PublishReport(total, Stopwatch.GetElapsedTime(started), TimeSpan.FromSeconds((double)maxLagTicks / Stopwatch.Frequency));
    }

    private async Task SendAsync(List<ServiceBusMessage> batch, SemaphoreSlim inFlight, CancellationToken cancellationToken)
    {
        try
        {
            await sender.SendMessagesAsync(batch, cancellationToken);
        }
        finally
        {
            inFlight.Release();
        }
    }
}
