using System.Globalization;

namespace SseFunctions.Benchmarks.Measurement;

/// <summary>
/// CPU time the whole machine has spent busy (all processes, all cores), from Linux's <c>/proc/stat</c>: with the
/// benchmark's own processes subtracted, it shows how much of the cores something else took during a phase.
/// </summary>
public static class MachineCpu
{
    private const string StatPath = "/proc/stat";

    /// <summary>USER_HZ: the unit of /proc/stat, 100 on every mainstream Linux build.</summary>
    private const double TicksPerSecond = 100;

    /// <summary>Busy CPU seconds since boot; null where /proc/stat is not there.</summary>
    public static double? ReadBusySeconds()
    {
        if (!File.Exists(StatPath))
        {
            return null;
        }

        foreach (var line in File.ReadLines(StatPath))
        {
            if (!line.StartsWith("cpu ", StringComparison.Ordinal))
            {
                continue;
            }

            // cpu user nice system idle iowait irq softirq steal ...
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(field => long.Parse(field, NumberStyles.None, CultureInfo.InvariantCulture)).ToArray();
            var total = fields.Take(8).Sum();
            var idle = fields[3] + fields[4];
            return (total - idle) / TicksPerSecond;
        }

        return null;
    }
}
