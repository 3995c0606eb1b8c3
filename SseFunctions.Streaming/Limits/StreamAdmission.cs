namespace SseFunctions.Streaming.Limits;

/// <summary>A stream's place under the per-instance limits, held from admission until the stream ends.</summary>
public sealed class StreamAdmission : IDisposable
{
    private readonly StreamLimiter owner;
    private int released;

    internal StreamAdmission(StreamLimiter owner, string sessionId)
    {
        this.owner = owner;
        SessionId = sessionId;
    }

    public string SessionId { get; }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref released, 1) == 0)
        {
            owner.Release(this);
        }
    }
}
