using System.Diagnostics;
using SseFunctions.Benchmarks.Cli;
using SseFunctions.Benchmarks.Hosting;
using SseFunctions.Benchmarks.Load;
using SseFunctions.Benchmarks.Measurement;
using SseFunctions.Streaming.Configuration;
using Azure.Messaging.ServiceBus;

namespace SseFunctions.Benchmarks.Scenarios;

/// <summary>
/// Runs one scenario against one target, on a fresh broker (and a fresh service process), in phases:
/// warm-up (not measured) → N idle streams (open time, memory per stream) → paced tokens on those streams (latency,
/// CPU) → a backlog drained by N new streams (throughput, time to first token under load) → probes one at a time
/// (session release after a disconnect, time to first token alone). The direct floor has no service: it runs the
/// paced and drain phases only. A failing phase ends the scenario; what was measured until then is kept.
/// </summary>
public sealed class ScenarioRunner(RepositoryLayout layout, IReadOnlyDictionary<string, string> serviceEnvironment, bool recordAllocations = false)
{
    private const double Megabyte = 1024 * 1024;
    private static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(2);
    private static readonly SseStreamingOptions Entities = BenchmarkBus.Entities;

    public async Task<TargetResult> RunAsync(TargetKind target, ScenarioParameters parameters, CancellationToken cancellationToken)
    {
        var result = new TargetResult { Target = target };
        var runId = Guid.NewGuid().ToString("N")[..8];
        using var http = LoadHttpClient.Create();
        try
        {
            await using var bench = await BenchmarkBus.StartAsync(layout, cancellationToken);
            var (broker, bus, sender, publisher) = (bench.Broker, bench.Client, bench.Sender, bench.Publisher);
            var service = target == TargetKind.Direct ? null : await TargetProcess.StartAsync(target, layout, broker.ConnectionString, http, serviceEnvironment, cancellationToken);
            await using (service)
            {
                var sampler = service is null ? null : new UsageSampler(service);
                await using (sampler)
                {
                    Func<StreamAddress, TokenStream> open = service is null
                        ? address => new DirectSessionConsumer(bus, Entities.TopicName, Entities.SubscriptionName, address)
                        : address => new SseStreamClient(http, service.BaseAddress, address);
                    var phases = new Phases(open, service, broker, publisher, parameters, runId, recordAllocations);

                    Progress("warm-up");
                    await phases.WarmUpAsync(cancellationToken);
                    sampler?.ResetPeak();
                    Progress($"{parameters.Streams} idle streams, then paced tokens");
                    result = await phases.MeasureStreamsAsync(result, cancellationToken);
                    Progress("backlog drain");
                    result = await phases.MeasureDrainAsync(result, cancellationToken);
                    if (service is not null)
                    {
                        Progress("session release and first-token probes, one at a time");
                        result = await MeasureProbesAsync(result, http, service, bus, sender, publisher, parameters, runId, cancellationToken);
                        result = result with { PeakWorkingSetMb = sampler!.PeakWorkingSetBytes / Megabyte };
                    }

                    return result;
                }
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"{target}, {parameters.Describe()}: {exception}");
            return result with { Failure = exception.GetType().Name + ": " + FirstLine(exception.Message) };
        }
    }

    private static async Task<TargetResult> MeasureProbesAsync(TargetResult result, HttpClient http, TargetProcess service, ServiceBusClient bus, ServiceBusSender sender, WorkloadPublisher publisher, ScenarioParameters parameters, string runId, CancellationToken cancellationToken)
    {
        var releaseProbe = new SessionReleaseProbe(http, service.BaseAddress, bus, sender, Entities.TopicName, Entities.SubscriptionName);
        var releases = new List<long>();
        foreach (var address in StreamAddress.Create("release", runId, parameters.ReleaseProbes))
        {
            releases.Add(await releaseProbe.MeasureAsync(address, cancellationToken));
        }

        var firstTokenProbe = new FirstTokenProbe(http, service.BaseAddress, publisher);
        var firstTokens = new List<long>();
        foreach (var address in StreamAddress.Create("first", runId, parameters.ReleaseProbes))
        {
            firstTokens.Add(await firstTokenProbe.MeasureAsync(address, cancellationToken));
        }

        return result with { SessionRelease = LatencySummary.FromTicks(releases), IdleTimeToFirstToken = LatencySummary.FromTicks(firstTokens) };
    }

    private static void Progress(string phase) => Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss}   {phase}");

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();

    /// <summary>The phases that run the same way on every target, through <c>open</c>'s kind of stream.</summary>
    private sealed class Phases(Func<StreamAddress, TokenStream> open, TargetProcess? service, BrokerProcess broker, WorkloadPublisher publisher, ScenarioParameters parameters, string runId, bool recordAllocations)
    {
        public async Task WarmUpAsync(CancellationToken cancellationToken)
        {
            // Twice, so that the hot paths of service, broker and client reach their optimised code before anything is measured.
            for (var round = 0; round < 2; round++)
            {
                var addresses = StreamAddress.Create($"warm{round}", runId, parameters.WarmUpStreams);
                await using var group = await StreamGroup.OpenAsync(open, addresses, cancellationToken, cancellationToken);
                await publisher.PublishAsync(addresses, 20, null, cancellationToken);
                if (!await group.WaitAllEndedAsync(TimeSpan.FromSeconds(60), cancellationToken) || group.FailedCount > 0)
                {
                    throw new InvalidOperationException($"The warm-up failed: {group.FailedCount} of {addresses.Count} streams failed ({group.FirstFailure}).");
                }
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }

        public async Task<TargetResult> MeasureStreamsAsync(TargetResult result, CancellationToken cancellationToken)
        {
            var before = service?.ReadParts();
            var addresses = StreamAddress.Create("paced", runId, parameters.Streams);
            await using var group = await StreamGroup.OpenAsync(open, addresses, cancellationToken, cancellationToken);
            result = result with { Open = group.OpenLatency(), StreamsFailed = group.FailedCount, FirstStreamFailure = group.FirstFailure };

            // Let the service finish accepting (the baseline answers before it accepts) and the heap settle.
            await Task.Delay(SettleTime + TimeSpan.FromMilliseconds(parameters.Streams), cancellationToken);
            if (service is not null && before is { } start)
            {
                var idle = service.ReadParts();
                var held = Math.Max(1, parameters.Streams - group.FailedCount);
                double PerStream(int part) => (idle[part].WorkingSetBytes - start[part].WorkingSetBytes) / 1024.0 / held;
                result = result with
                {
                    WorkingSetBeforeStreamsMb = start.Sum(p => p.WorkingSetBytes) / Megabyte,
                    WorkingSetIdleStreamsMb = idle.Sum(p => p.WorkingSetBytes) / Megabyte,
                    KbPerIdleStream = (idle.Sum(p => p.WorkingSetBytes) - start.Sum(p => p.WorkingSetBytes)) / 1024.0 / held,
                    KbPerIdleStreamHost = start.Count > 1 && idle.Count > 1 ? PerStream(0) : double.NaN,
                    KbPerIdleStreamWorker = start.Count > 1 && idle.Count > 1 ? PerStream(1) : double.NaN,
                };
            }

            await using var allocations = recordAllocations && service is not null ? AllocationRecorder.Start(service.EngineProcessId) : null;
            var cpu = CpuMeter.Start(service, broker.Process);
            var publishedFrom = Stopwatch.GetTimestamp();
            var publish = await publisher.PublishAsync(addresses, parameters.TokensPerStream, parameters.TokensPerSecondPerStream, cancellationToken);
            var allEnded = await group.WaitAllEndedAsync(TimeSpan.FromSeconds(30 + (parameters.Streams / 200.0)), cancellationToken);
            var usage = cpu.Stop();
            var received = group.TokensReceived;
            var split = allocations is null ? null : await allocations.StopAsync(received, cancellationToken);
            var lastEnd = group.LastEndedAt;
            return result with
            {
                TokenLatency = group.TokenLatency(),
                TokensExpected = (long)parameters.Streams * parameters.TokensPerStream,
                TokensReceived = received,
                StreamsFailed = group.FailedCount,
                FirstStreamFailure = group.FirstFailure ?? (allEnded ? null : "not ended in time"),
                PacedTokensPerSecond = lastEnd > publishedFrom ? received / Stopwatch.GetElapsedTime(publishedFrom, lastEnd).TotalSeconds : double.NaN,
                PublisherMaxLagMs = publish.MaxLag.TotalMilliseconds,
                PacedCpu = usage,
                PacedAllocations = split,
            };
        }

        public async Task<TargetResult> MeasureDrainAsync(TargetResult result, CancellationToken cancellationToken)
        {
            if (parameters.DrainTokensPerStream == 0)
            {
                return result;
            }

            var addresses = StreamAddress.Create("drain", runId, parameters.Streams);
            await publisher.PublishAsync(addresses, parameters.DrainTokensPerStream, null, cancellationToken);
            var cpu = CpuMeter.Start(service, broker.Process);
            var started = Stopwatch.GetTimestamp();
            await using var group = await StreamGroup.OpenAsync(open, addresses, cancellationToken, cancellationToken);
            var total = (long)parameters.Streams * parameters.DrainTokensPerStream;
            var allEnded = await group.WaitAllEndedAsync(TimeSpan.FromSeconds(60 + (total / 2000.0)), cancellationToken);
            var usage = cpu.Stop();
            var received = group.TokensReceived;
            var lastEnd = group.LastEndedAt;
            return result with
            {
                DrainTokensPerSecond = lastEnd > started ? received / Stopwatch.GetElapsedTime(started, lastEnd).TotalSeconds : double.NaN,
                DrainCpu = usage,
                ServiceCpuMicrosecondsPerToken = received > 0 && service is not null ? usage.ServiceSeconds * 1e6 / received : double.NaN,
                DrainTimeToFirstToken = group.TimeToFirstToken(),
                StreamsFailed = result.StreamsFailed + group.FailedCount,
                FirstStreamFailure = result.FirstStreamFailure ?? group.FirstFailure ?? (allEnded ? null : "drain: not ended in time"),
            };
        }
    }
}
