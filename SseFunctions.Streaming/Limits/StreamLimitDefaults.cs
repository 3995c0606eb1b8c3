namespace SseFunctions.Streaming.Limits;

/// <summary>
/// Where the per-instance limits start when <c>SSE_MAX_STREAMS</c> and <c>SSE_MAX_SESSIONS</c> are not set.
/// </summary>
public static class StreamLimitDefaults
{
    /// <summary>
    /// What one open stream is budgeted: the benchmark measured 25.6–28.6 KB of working set per idle stream (at
    /// 10,000 and 1,000 streams, server GC), rounded up to the 32 KB the design allows.
    /// </summary>
    public const long BytesPerStream = 32 * 1024;

    /// <summary>The share of the process's memory that streams may take; the rest is the runtime's, the GC's headroom
    /// and the buffers of streams that are busy rather than idle.</summary>
    public const double MemoryShareForStreams = 0.5;

    /// <summary>Service Bus allows 5,000 concurrent receivers per subscription: one instance can never hold more.</summary>
    public const int MaxSessions = 5_000;

    /// <summary>The floor of the default, for a process that reports very little memory.</summary>
    private const int MinimumStreams = 100;

    /// <summary>
    /// Half the memory available to this process (<see cref="GCMemoryInfo.TotalAvailableMemoryBytes"/>, which honours
    /// a container's or plan's limit and <c>GCHeapHardLimit</c>) divided by <see cref="BytesPerStream"/>: 32,768 on a
    /// 2 GB instance, 57,344 on 3.5 GB.
    /// </summary>
    public static int MaxStreams { get; } = ForMemory(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);

    /// <summary>The default for a process with <paramref name="availableBytes"/> of memory.</summary>
    public static int ForMemory(long availableBytes) =>
        (int)Math.Clamp((long)(availableBytes * MemoryShareForStreams) / BytesPerStream, MinimumStreams, int.MaxValue);
}
