using System.IO.Pipelines;

namespace SseFunctions.Tests.Engine.Fakes;

/// <summary>A response body writer that fails the way the test says: its flushes throw (a reset connection), or its
/// buffers do (a fault that is not the connection's); or that does something the moment a flush went through.</summary>
public sealed class FaultyPipeWriter(PipeWriter inner) : PipeWriter
{
    /// <summary>Flushes throw this once set.</summary>
    public Exception? FlushFailure { get; set; }

    /// <summary>Runs after each flush that went through, before the writer learns of it.</summary>
    public Action? AfterFlush { get; set; }

    /// <summary>GetSpan and GetMemory throw this once set.</summary>
    public Exception? BufferFailure { get; set; }

    public override void Advance(int bytes) => inner.Advance(bytes);

    public override void CancelPendingFlush() => inner.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override async ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (FlushFailure is { } failure)
        {
            throw failure;
        }

        var result = await inner.FlushAsync(cancellationToken);
        AfterFlush?.Invoke();
        return result;
    }

    public override Memory<byte> GetMemory(int sizeHint = 0) => BufferFailure is { } failure ? throw failure : inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => BufferFailure is { } failure ? throw failure : inner.GetSpan(sizeHint);
}
