using System.Globalization;

namespace SseFunctions.Benchmarks.Probes;

/// <summary>How settlements are sent relative to receives.</summary>
public enum Settlement
{
    /// <summary>Each message completed as soon as it is received, not awaited before the next receive (bounded in flight).</summary>
    Concurrent,

    /// <summary>Each completion awaited before the next receive.</summary>
    Sequential,

    /// <summary>The messages of one receive completed together (Task.WhenAll) before the next receive.</summary>
    Batched,
}

/// <summary>One way of driving an SDK session receiver: receive size, prefetch, settlement, and whether an Azure SDK
/// event listener is on at Verbose (what Microsoft.Extensions.Azure's log forwarder does).</summary>
public sealed record ReceivePattern(int MaxMessages, int Prefetch, Settlement Settlement, bool VerboseListener = false)
{
    public string Describe() => string.Create(
        CultureInfo.InvariantCulture,
        $"max {MaxMessages,3}, prefetch {Prefetch,3}, {Settlement.ToString().ToLowerInvariant(),-10}{(VerboseListener ? ", SDK events at Verbose" : "")}");

    /// <summary>The patterns the probe compares by default.</summary>
    public static IReadOnlyList<ReceivePattern> Defaults { get; } =
    [
        new(1, 32, Settlement.Concurrent),
        new(1, 32, Settlement.Concurrent, VerboseListener: true),
        new(1, 0, Settlement.Concurrent),
        new(1, 128, Settlement.Concurrent),
        new(1, 256, Settlement.Concurrent),
        new(32, 32, Settlement.Concurrent),
        new(32, 128, Settlement.Concurrent),
        new(32, 256, Settlement.Concurrent),
        new(1, 32, Settlement.Sequential),
        new(32, 32, Settlement.Batched),
        new(32, 128, Settlement.Batched),
        new(128, 256, Settlement.Batched),
    ];
}
