using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;

namespace SseFunctions.Benchmarks.Measurement;

/// <summary>
/// Records what one process of the service allocates while a phase runs: the runtime's <c>GCAllocationTick</c> event
/// (one about every 100 KB allocated, with the type and the stack) over an EventPipe session, written to a temporary
/// file and split by <see cref="AllocationSplit"/> when the phase is over. Opt-in (<c>--allocations</c>): the stacks
/// cost the service a little CPU.
/// </summary>
public sealed class AllocationRecorder : IAsyncDisposable
{
    private const long GcKeyword = 0x1;

    private readonly EventPipeSession session;
    private readonly string path;
    private readonly Task copy;

    private AllocationRecorder(EventPipeSession session, string path, Task copy)
    {
        this.session = session;
        this.path = path;
        this.copy = copy;
    }

    public static AllocationRecorder Start(int processId)
    {
        var client = new DiagnosticsClient(processId);
        var providers = new[] { new EventPipeProvider("Microsoft-Windows-DotNETRuntime", EventLevel.Verbose, GcKeyword) };
        // The rundown at the end names the methods of the stacks.
        var session = client.StartEventPipeSession(providers, requestRundown: true, circularBufferMB: 256);
        var path = Path.Combine(Path.GetTempPath(), $"sse-bench-allocations-{processId}-{Guid.NewGuid():N}.nettrace");
        var copy = CopyAsync(session.EventStream, path);
        return new AllocationRecorder(session, path, copy);
    }

    /// <summary>Ends the session and splits what it recorded over <paramref name="tokens"/>.</summary>
    public async Task<AllocationSplit> StopAsync(long tokens, CancellationToken cancellationToken)
    {
        await session.StopAsync(cancellationToken);
        await copy.WaitAsync(cancellationToken);
        return AllocationSplit.Read(path, tokens);
    }

    public async ValueTask DisposeAsync()
    {
        session.Dispose();
        await copy.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        File.Delete(path);
        File.Delete(path + ".etlx"); // TraceLog's converted copy
    }

    private static async Task CopyAsync(Stream events, string path)
    {
        await using var file = File.Create(path);
        await events.CopyToAsync(file);
    }
}
