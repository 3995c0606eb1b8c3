using System.Runtime.InteropServices;

namespace SseFunctions.Benchmarks.Reporting;

/// <summary>The machine the figures come from: every process of the benchmark shares its cores.</summary>
public sealed record MachineDescription(int ProcessorCount, string Os, string Runtime, string Note)
{
    public static MachineDescription Current() => new(
        Environment.ProcessorCount,
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        $"Broker, service and load generator (SSE clients + publisher) are separate processes sharing these {Environment.ProcessorCount} cores over loopback.");
}
