using System.Diagnostics;
using SseFunctions.Benchmarks.Cli;
using SseFunctions.Benchmarks.Hosting;
using SseFunctions.Benchmarks.Load;
using SseFunctions.Benchmarks.Measurement;
using SseFunctions.Streaming.Configuration;
using SseFunctions.Streaming.ServiceBus;

namespace SseFunctions.Benchmarks.Scenarios;

/// <summary>
/// Runs one scenario against one target, on a fresh broker and a fresh service process, in phases:
/// warm-up (not measured) → N idle streams (open time, memory per stream) → paced tokens on those streams (latency,
/// CPU) → a backlog drained by N new streams (throughput, time to first token) → disconnects (session release).
/// A failing phase ends the scenario; what was measured until then is kept.
/// </summary>
public sealed class ScenarioRunner(RepositoryLayout layout, HttpClient http)
{
    private const double Megabyte = 1024 * 1024;
    private static readonly TimeSpan SettleTime = TimeSpan.FromSeconds(2);
    private static readonly SseStreamingOptions Entities = new();

    public async Task<TargetResult> RunAsync(TargetKind target, ScenarioParameters parameters, CancellationToken cancellationToken)
    {
        var result = new TargetResult { Target = target };
        var runId = Guid.NewGuid().ToString("N")[..8];
        try
        {
            await using var broker = await BrokerProcess.StartAsync(layout, cancellationToken);
            await using var bus = new ServiceBusClient(broker.ConnectionString);
            var sender = bus.CreateSender(Entities.TopicName);
            await using (sender)
            {
                var publisher = new WorkloadPublisher(sender);
                await using var service = await TargetProcess.StartAsync(target, layout, broker.ConnectionString, http, cancellationToken);
                await using var sampler = new UsageSampler(service.Process);

                Progress("warm-up");
                await WarmUpAsync(service, publisher, parameters, runId, cancellationToken);
                sampler.ResetPeak();
                Progress($"{parameters.Streams} idle streams, then paced tokens");
                result = await MeasureStreamsAsync(result, service, broker, publisher, parameters, runId, cancellationToken);
                Progress("backlog drain");
                result = await MeasureDrainAsync(result, service, broker, publisher, parameters, runId, cancellationToken);
                Progress("session release");
                result = await MeasureReleaseAsync(result, service, bus, sender, parameters, runId, cancellationToken);
                return result with { PeakWorkingSetMb = sampler.PeakWorkingSetBytes / Megabyte };
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"{target}, {parameters.Describe()}: {exception}");
            return result with { Failure = exception.GetType().Name + ": " + FirstLine(exception.Message) };
        }
    }

    private async Task WarmUpAsync(TargetProcess service, WorkloadPublisher publisher, ScenarioParameters parameters, string runId, CancellationToken cancellationToken)
    {
        // Twice, so that the hot paths of service, broker and client reach their optimised code before anything is measured.
        for (var round = 0; round < 2; round++)
        {
            var addresses = StreamAddress.Create($"warm{round}", runId, parameters.WarmUpStreams);
            using var group = await StreamGroup.OpenAsync(http, service.BaseAddress, addresses, cancellationToken, cancellationToken);
            await publisher.PublishAsync(addresses, 20, null, cancellationToken);
            if (!await group.WaitAllEndedAsync(TimeSpan.FromSeconds(60), cancellationToken) || group.FailedCount > 0)
            {
                throw new InvalidOperationException($"The warm-up failed: {group.FailedCount} of {addresses.Count} streams failed ({group.FirstFailure}).");
            }
        }

        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
    }

    private async Task<TargetResult> MeasureStreamsAsync(TargetResult result, TargetProcess service, BrokerProcess broker, WorkloadPublisher publisher, ScenarioParameters parameters, string runId, CancellationToken cancellationToken)
    {
        var before = service.Process.ReadUsage();
        var addresses = StreamAddress.Create("paced", runId, parameters.Streams);
        using var group = await StreamGroup.OpenAsync(http, service.BaseAddress, addresses, cancellationToken, cancellationToken);
        result = result with { Open = group.OpenLatency(), StreamsFailed = group.FailedCount, FirstStreamFailure = group.FirstFailure };

        // Let the service finish accepting (the baseline answers before it accepts) and the heap settle.
        await Task.Delay(SettleTime + TimeSpan.FromMilliseconds(parameters.Streams), cancellationToken);
        var idle = service.Process.ReadUsage();
        result = result with
        {
            WorkingSetBeforeStreamsMb = before.WorkingSetBytes / Megabyte,
            WorkingSetIdleStreamsMb = idle.WorkingSetBytes / Megabyte,
            KbPerIdleStream = (idle.WorkingSetBytes - before.WorkingSetBytes) / 1024.0 / parameters.Streams,
        };

        var cpu = CpuMeter.Start(service.Process, broker.Process);
        var publishedFrom = Stopwatch.GetTimestamp();
        var publish = await publisher.PublishAsync(addresses, parameters.TokensPerStream, parameters.TokensPerSecondPerStream, cancellationToken);
        var deadline = TimeSpan.FromSeconds(30 + (parameters.Streams / 200.0));
        var allEnded = await group.WaitAllEndedAsync(deadline, cancellationToken);
        var usage = cpu.Stop();
        var received = group.TokensReceived;
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
        };
    }

    private async Task<TargetResult> MeasureDrainAsync(TargetResult result, TargetProcess service, BrokerProcess broker, WorkloadPublisher publisher, ScenarioParameters parameters, string runId, CancellationToken cancellationToken)
    {
        if (parameters.DrainTokensPerStream == 0)
        {
            return result;
        }

        var addresses = StreamAddress.Create("drain", runId, parameters.Streams);
        await publisher.PublishAsync(addresses, parameters.DrainTokensPerStream, null, cancellationToken);
        var cpu = CpuMeter.Start(service.Process, broker.Process);
        var started = Stopwatch.GetTimestamp();
        using var group = await StreamGroup.OpenAsync(http, service.BaseAddress, addresses, cancellationToken, cancellationToken);
        var total = (long)parameters.Streams * parameters.DrainTokensPerStream;
        var allEnded = await group.WaitAllEndedAsync(TimeSpan.FromSeconds(60 + (total / 2000.0)), cancellationToken);
        var usage = cpu.Stop();
        var received = group.TokensReceived;
        var lastEnd = group.LastEndedAt;
        var failed = group.FailedCount;
        return result with
        {
            DrainTokensPerSecond = lastEnd > started ? received / Stopwatch.GetElapsedTime(started, lastEnd).TotalSeconds : double.NaN,
            DrainCpu = usage,
            ServiceCpuMicrosecondsPerToken = received > 0 ? usage.ServiceSeconds * 1e6 / received : double.NaN,
            TimeToFirstToken = group.TimeToFirstToken(),
            StreamsFailed = result.StreamsFailed + failed,
            FirstStreamFailure = result.FirstStreamFailure ?? group.FirstFailure ?? (allEnded ? null : "drain: not ended in time"),
        };
    }

    private async Task<TargetResult> MeasureReleaseAsync(TargetResult result, TargetProcess service, ServiceBusClient bus, ServiceBusSender sender, ScenarioParameters parameters, string runId, CancellationToken cancellationToken)
    {
        var probe = new SessionReleaseProbe(http, service.BaseAddress, bus, sender, Entities.TopicName, Entities.SubscriptionName);
        var releases = new List<long>();
        foreach (var address in StreamAddress.Create("release", runId, parameters.ReleaseProbes))
        {
            releases.Add(await probe.MeasureAsync(address, cancellationToken));
        }

        return result with { SessionRelease = LatencySummary.FromTicks(releases) };
    }

    private static void Progress(string phase) => Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss}   {phase}");

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
