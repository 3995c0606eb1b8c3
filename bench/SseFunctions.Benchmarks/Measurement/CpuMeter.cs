using System.Diagnostics;
using SseFunctions.Benchmarks.Hosting;

namespace SseFunctions.Benchmarks.Measurement;

/// <summary>CPU seconds spent by the three processes sharing the machine during one phase: service, broker, load generator.</summary>
public sealed class CpuMeter
{
    private readonly ChildProcess? service;
    private readonly ChildProcess broker;
    private readonly TimeSpan serviceStart;
    private readonly TimeSpan brokerStart;
    private readonly TimeSpan loadGeneratorStart;
    private readonly long started;

    private CpuMeter(ChildProcess? service, ChildProcess broker)
    {
        this.service = service;
        this.broker = broker;
        serviceStart = service?.ReadUsage().CpuTime ?? TimeSpan.Zero;
        brokerStart = broker.ReadUsage().CpuTime;
        loadGeneratorStart = LoadGeneratorCpu();
        started = Stopwatch.GetTimestamp();
    }

    /// <param name="service">null when no service runs (the direct floor): its figure is then NaN.</param>
    public static CpuMeter Start(ChildProcess? service, ChildProcess broker) => new(service, broker);

    public CpuUsage Stop() => new(
        Stopwatch.GetElapsedTime(started),
        service is null ? double.NaN : (service.ReadUsage().CpuTime - serviceStart).TotalSeconds,
        (broker.ReadUsage().CpuTime - brokerStart).TotalSeconds,
        (LoadGeneratorCpu() - loadGeneratorStart).TotalSeconds);

    private static TimeSpan LoadGeneratorCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }
}
