using System.Diagnostics;
using SseFunctions.Benchmarks.Hosting;

namespace SseFunctions.Benchmarks.Measurement;

/// <summary>CPU seconds spent by the three parties sharing the machine during one phase: service (its whole process
/// tree), broker, load generator; and what every other process took meanwhile.</summary>
public sealed class CpuMeter
{
    private readonly TargetProcess? service;
    private readonly ChildProcess broker;
    private readonly TimeSpan serviceStart;
    private readonly TimeSpan brokerStart;
    private readonly TimeSpan loadGeneratorStart;
    private readonly double? machineStart;
    private readonly long started;

    private CpuMeter(TargetProcess? service, ChildProcess broker)
    {
        this.service = service;
        this.broker = broker;
        serviceStart = service?.ReadUsage().CpuTime ?? TimeSpan.Zero;
        brokerStart = broker.ReadUsage().CpuTime;
        loadGeneratorStart = LoadGeneratorCpu();
        machineStart = MachineCpu.ReadBusySeconds();
        started = Stopwatch.GetTimestamp();
    }

    /// <param name="service">null when no service runs (the direct floor): its figure is then NaN.</param>
    public static CpuMeter Start(TargetProcess? service, ChildProcess broker) => new(service, broker);

    public CpuUsage Stop()
    {
        var wallTime = Stopwatch.GetElapsedTime(started);
        var serviceSeconds = service is null ? 0 : (service.ReadUsage().CpuTime - serviceStart).TotalSeconds;
        var brokerSeconds = (broker.ReadUsage().CpuTime - brokerStart).TotalSeconds;
        var loadGeneratorSeconds = (LoadGeneratorCpu() - loadGeneratorStart).TotalSeconds;
        var machineSeconds = MachineCpu.ReadBusySeconds() - machineStart;
        return new CpuUsage(
            wallTime,
            service is null ? double.NaN : serviceSeconds,
            brokerSeconds,
            loadGeneratorSeconds,
            machineSeconds is { } busy ? Math.Max(0, busy - serviceSeconds - brokerSeconds - loadGeneratorSeconds) : double.NaN);
    }

    private static TimeSpan LoadGeneratorCpu()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }
}
