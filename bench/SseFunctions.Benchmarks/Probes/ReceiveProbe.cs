using System.Diagnostics;
using System.Diagnostics.Tracing;
using System.Globalization;
using Azure.Core.Diagnostics;
using Azure.Messaging.ServiceBus;
using SseFunctions.Benchmarks.Hosting;
using SseFunctions.Benchmarks.Load;
using SseFunctions.Benchmarks.Measurement;
using SseFunctions.Streaming.Configuration;

namespace SseFunctions.Benchmarks.Probes;

/// <summary>
/// A research probe, not part of the benchmark's figures: how fast, and at what CPU per message, the official SDK's
/// session receiver drains a backlog from LocalServiceBus under each <see cref="ReceivePattern"/>. Per pattern and
/// workload: a fresh broker, the backlog published first (not measured), a small warm-up backlog through the same
/// pattern, then the measured backlog: every session accepted at once and read to its end by its own receiver.
/// </summary>
public static class ReceiveProbe
{
    private const int MaxConcurrentAccepts = 100;
    private static readonly SseStreamingOptions Entities = BenchmarkBus.Entities;
    private static readonly TimeSpan ReceiveWait = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(ReceiveProbeOptions options, CancellationToken cancellationToken)
    {
        var layout = RepositoryLayout.Find();
        var results = new List<ReceiveProbeResult>();
        foreach (var (sessions, perSession) in options.Workloads)
        {
            for (var repeat = 0; repeat < options.Repeat; repeat++)
            {
                foreach (var pattern in options.Patterns)
                {
                    try
                    {
                        var result = await RunOneAsync(layout, pattern, sessions, perSession, cancellationToken);
                        Console.WriteLine(Format(result));
                        results.Add(result);
                    }
                    catch (Exception exception) when (exception is ServiceBusException or ObjectDisposedException or InvalidOperationException)
                    {
                        Console.WriteLine($"{sessions,4} x {perSession,5}  {pattern.Describe(),-56} failed: {exception.GetType().Name}: {exception.Message.Split('\n', 2)[0]}");
                    }
                }
            }
        }

        Console.WriteLine();
        Console.WriteLine("medians:");
        foreach (var group in results.GroupBy(r => (r.Pattern, r.Sessions)))
        {
            var runs = group.ToArray();
            Console.WriteLine(Format(runs[0] with
            {
                MessagesPerSecond = RunMedianOf(runs, r => r.MessagesPerSecond),
                ClientCpuMicrosecondsPerMessage = RunMedianOf(runs, r => r.ClientCpuMicrosecondsPerMessage),
                ClientKilobytesAllocatedPerMessage = RunMedianOf(runs, r => r.ClientKilobytesAllocatedPerMessage),
                BrokerCpuMicrosecondsPerMessage = RunMedianOf(runs, r => r.BrokerCpuMicrosecondsPerMessage),
                OtherProcessesCpuSeconds = RunMedianOf(runs, r => r.OtherProcessesCpuSeconds),
            }));
        }

        return 0;
    }

    private static double RunMedianOf(ReceiveProbeResult[] runs, Func<ReceiveProbeResult, double> read) =>
        Scenarios.RunMedian.Median(runs, read);

    private static string Format(ReceiveProbeResult r) => string.Create(
        CultureInfo.InvariantCulture,
        $"{r.Sessions,4} x {r.Messages / r.Sessions,5}  {r.Pattern.Describe(),-56} {r.MessagesPerSecond,8:0} msg/s  client {r.ClientCpuMicrosecondsPerMessage,6:0.0} µs/msg {r.ClientKilobytesAllocatedPerMessage,5:0.0} KB/msg  broker {r.BrokerCpuMicrosecondsPerMessage,6:0.0} µs/msg  short receives {r.ShortReceives}/{r.Receives}  other CPU {r.OtherProcessesCpuSeconds:0.00} s");

    private static async Task<ReceiveProbeResult> RunOneAsync(RepositoryLayout layout, ReceivePattern pattern, int sessions, int perSession, CancellationToken cancellationToken)
    {
        await using var bench = await BenchmarkBus.StartAsync(layout, cancellationToken);
        var (broker, publisher) = (bench.Broker, bench.Publisher);
        // Errors are printed (a failed drain closes the receiver); with VerboseListener every event is raised and formatted,
        // as Microsoft.Extensions.Azure's log forwarder makes the SDK do.
        using var listener = new AzureEventSourceListener(
            (e, message) =>
            {
                if (e.Level <= EventLevel.Error)
                {
                    Console.WriteLine($"  SDK {e.EventName}: {message.Split('\n', 2)[0]}");
                }
            },
            pattern.VerboseListener ? EventLevel.Verbose : EventLevel.Error);
        await using var receiving = new ServiceBusClient(broker.ConnectionString);

        var warm = StreamAddress.Create("warm", "p", 10);
        await publisher.PublishAsync(warm, 200, null, cancellationToken);
        await ConsumeAsync(receiving, warm, 200, pattern, new Counters(), cancellationToken);

        var addresses = StreamAddress.Create("probe", "p", sessions);
        // Every session gets perSession − 1 tokens and its end marker: perSession messages.
        await publisher.PublishAsync(addresses, perSession - 1, null, cancellationToken);
        var counters = new Counters();
        var self = Process.GetCurrentProcess();
        var clientCpu = self.TotalProcessorTime;
        var brokerCpu = broker.Process.ReadUsage().CpuTime;
        var machine = MachineCpu.ReadBusySeconds();
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var started = Stopwatch.GetTimestamp();
        await ConsumeAsync(receiving, addresses, perSession, pattern, counters, cancellationToken);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        self.Refresh();
        var clientSeconds = (self.TotalProcessorTime - clientCpu).TotalSeconds;
        var brokerSeconds = (broker.Process.ReadUsage().CpuTime - brokerCpu).TotalSeconds;
        var other = MachineCpu.ReadBusySeconds() - machine - clientSeconds - brokerSeconds;
        var messages = (long)sessions * perSession;
        var kilobytesPerMessage = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / 1024.0 / messages;
        return new ReceiveProbeResult(pattern, sessions, messages, seconds, messages / seconds, clientSeconds * 1e6 / messages, brokerSeconds * 1e6 / messages, kilobytesPerMessage, counters.Receives, counters.ShortReceives, other ?? double.NaN);
    }

    private static async Task ConsumeAsync(ServiceBusClient client, IReadOnlyList<StreamAddress> addresses, int perSession, ReceivePattern pattern, Counters counters, CancellationToken cancellationToken)
    {
        using var accepts = new SemaphoreSlim(MaxConcurrentAccepts);
        await Task.WhenAll(addresses.Select(address => ConsumeSessionAsync(client, address, perSession, pattern, counters, accepts, cancellationToken)));
    }

    private static async Task ConsumeSessionAsync(ServiceBusClient client, StreamAddress address, int perSession, ReceivePattern pattern, Counters counters, SemaphoreSlim accepts, CancellationToken cancellationToken)
    {
        ServiceBusSessionReceiver receiver;
        await accepts.WaitAsync(cancellationToken);
        try
        {
            receiver = await client.AcceptSessionAsync(Entities.TopicName, Entities.SubscriptionName, address.SessionId, new ServiceBusSessionReceiverOptions { PrefetchCount = pattern.Prefetch }, cancellationToken);
        }
        finally
        {
            accepts.Release();
        }

        await using (receiver)
        {
            var pending = new List<Task>();
            var remaining = perSession;
            while (remaining > 0)
            {
                var messages = await receiver.ReceiveMessagesAsync(pattern.MaxMessages, ReceiveWait, cancellationToken);
                counters.Received(messages.Count < pattern.MaxMessages);
                if (messages.Count == 0)
                {
                    throw new InvalidOperationException($"{address.SessionId}: no message within {ReceiveWait.TotalSeconds:0} s, {remaining} missing.");
                }

                remaining -= messages.Count;
                switch (pattern.Settlement)
                {
                    case Settlement.Sequential:
                        foreach (var message in messages)
                        {
                            await receiver.CompleteMessageAsync(message, cancellationToken);
                        }

                        break;
                    case Settlement.Batched:
                        await Task.WhenAll(messages.Select(message => receiver.CompleteMessageAsync(message, cancellationToken)));
                        break;
                    default:
                        pending.AddRange(messages.Select(message => receiver.CompleteMessageAsync(message, cancellationToken)));
                        break;
                }
            }

            await Task.WhenAll(pending);
        }
    }

    private sealed class Counters
    {
        private long receives;
        private long shortReceives;

        public long Receives => Interlocked.Read(ref receives);

        public long ShortReceives => Interlocked.Read(ref shortReceives);

        public void Received(bool isShort)
        {
            Interlocked.Increment(ref receives);
            if (isShort)
            {
                Interlocked.Increment(ref shortReceives);
            }
        }
    }
}
