using System.Diagnostics;
using Azure.Messaging.ServiceBus;
using SseFunctions.Benchmarks.Cli;
using SseFunctions.Benchmarks.Hosting;
using SseFunctions.Benchmarks.Load;
using SseFunctions.Benchmarks.Measurement;
using SseFunctions.Streaming.Configuration;

namespace SseFunctions.Benchmarks.Scenarios;

/// <summary>
/// The cold-start phase: a fresh broker is warmed by the benchmark's own receivers (so that what is measured is the
/// service's start, not the broker's), then a service process is started and its first tokens are measured (CPU per
/// token over stream opening and delivery, latency), then the same workload runs unmeasured a few times, then once
/// more measured: the warm figure of the same process and workload, for the ratio.
/// </summary>
public sealed class ColdStartRunner(RepositoryLayout layout, IReadOnlyDictionary<string, string> serviceEnvironment)
{
    private static readonly SseStreamingOptions Entities = BenchmarkBus.Entities;

    public async Task<ColdStartResult> RunAsync(TargetKind target, ColdStartParameters parameters, CancellationToken cancellationToken)
    {
        var result = new ColdStartResult { Target = target };
        var runId = Guid.NewGuid().ToString("N")[..8];
        using var http = LoadHttpClient.Create();
        try
        {
            await using var bench = await BenchmarkBus.StartAsync(layout, cancellationToken);
            var (broker, bus, publisher) = (bench.Broker, bench.Client, bench.Publisher);
            Progress("broker warm-up (the benchmark's own receivers)");
            for (var round = 0; round < 2; round++)
            {
                await RunRoundAsync(address => new DirectSessionConsumer(bus, Entities.TopicName, Entities.SubscriptionName, address), null, broker, publisher, parameters, $"brokerwarm{round}-{runId}", cancellationToken);
            }

            Progress("a fresh service process: its first tokens");
            var started = Stopwatch.GetTimestamp();
            await using var service = await TargetProcess.StartAsync(target, layout, broker.ConnectionString, http, serviceEnvironment, cancellationToken);
            result = result with
            {
                StartupMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds,
                StartupCpuSeconds = service.ReadUsage().CpuTime.TotalSeconds,
            };
            Func<StreamAddress, TokenStream> open = address => new SseStreamClient(http, service.BaseAddress, address);
            result = result with { Cold = await RunRoundAsync(open, service, broker, publisher, parameters, $"cold-{runId}", cancellationToken) };
            Progress($"{parameters.WarmUpRounds} unmeasured rounds, then the same workload warm");
            for (var round = 0; round < parameters.WarmUpRounds; round++)
            {
                await RunRoundAsync(open, service, broker, publisher, parameters, $"warming{round}-{runId}", cancellationToken);
            }

            var warm = await RunRoundAsync(open, service, broker, publisher, parameters, $"warm-{runId}", cancellationToken);
            return result with { Warm = warm, CpuRatio = result.Cold.ServiceCpuMicrosecondsPerToken / warm.ServiceCpuMicrosecondsPerToken };
        }
        catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync($"{target}, {parameters.Describe()}: {exception}");
            return result with { Failure = exception.GetType().Name + ": " + exception.Message.Split('\n', 2)[0].Trim() };
        }
    }

    /// <summary>The medians of repeated runs of one target.</summary>
    public static ColdStartResult Median(IReadOnlyList<ColdStartResult> runs)
    {
        var completed = runs.Where(r => r.Failure is null).ToArray();
        if (completed.Length == 0 || runs.Count == 1)
        {
            return runs[0] with { Runs = runs.Count };
        }

        ColdStartRound Round(Func<ColdStartResult, ColdStartRound> read) => new(
            new LatencySummary(
                completed.Sum(r => read(r).Latency.Count),
                RunMedian.Median(completed, r => read(r).Latency.P50Ms),
                RunMedian.Median(completed, r => read(r).Latency.P90Ms),
                RunMedian.Median(completed, r => read(r).Latency.P99Ms),
                RunMedian.Median(completed, r => read(r).Latency.MaxMs)),
            completed.Sum(r => read(r).TokensReceived),
            completed.Sum(r => read(r).StreamsFailed),
            RunMedian.Median(completed, r => read(r).ServiceCpuMicrosecondsPerToken),
            new CpuUsage(
                TimeSpan.FromSeconds(RunMedian.Median(completed, r => read(r).Cpu?.WallTime.TotalSeconds ?? double.NaN)),
                RunMedian.Median(completed, r => read(r).Cpu?.ServiceSeconds ?? double.NaN),
                RunMedian.Median(completed, r => read(r).Cpu?.BrokerSeconds ?? double.NaN),
                RunMedian.Median(completed, r => read(r).Cpu?.LoadGeneratorSeconds ?? double.NaN),
                RunMedian.Median(completed, r => read(r).Cpu?.OtherProcessesSeconds ?? double.NaN)));

        return completed[0] with
        {
            Runs = runs.Count,
            Failure = runs.Count != completed.Length ? $"{runs.Count - completed.Length} of {runs.Count} runs failed: {runs.First(r => r.Failure is not null).Failure}" : null,
            StartupMs = RunMedian.Median(completed, r => r.StartupMs),
            StartupCpuSeconds = RunMedian.Median(completed, r => r.StartupCpuSeconds),
            Cold = Round(r => r.Cold),
            Warm = Round(r => r.Warm),
            CpuRatio = RunMedian.Median(completed, r => r.CpuRatio),
        };
    }

    private static async Task<ColdStartRound> RunRoundAsync(Func<StreamAddress, TokenStream> open, TargetProcess? service, BrokerProcess broker, WorkloadPublisher publisher, ColdStartParameters parameters, string prefix, CancellationToken cancellationToken)
    {
        var addresses = StreamAddress.Create(prefix, "c", parameters.Streams);
        var cpu = CpuMeter.Start(service, broker.Process);
        await using var group = await StreamGroup.OpenAsync(open, addresses, cancellationToken, cancellationToken);
        await publisher.PublishAsync(addresses, parameters.TokensPerStream, parameters.TokensPerSecondPerStream, cancellationToken);
        var allEnded = await group.WaitAllEndedAsync(TimeSpan.FromSeconds(60), cancellationToken);
        var usage = cpu.Stop();
        var received = group.TokensReceived;
        if (!allEnded || group.FailedCount > 0)
        {
            throw new InvalidOperationException($"{prefix}: {group.FailedCount} of {addresses.Count} streams failed ({group.FirstFailure ?? "not ended in time"}).");
        }

        return new ColdStartRound(group.TokenLatency(), received, group.FailedCount, service is null || received == 0 ? double.NaN : usage.ServiceSeconds * 1e6 / received, usage);
    }

    private static void Progress(string phase) => Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss}   {phase}");
}
