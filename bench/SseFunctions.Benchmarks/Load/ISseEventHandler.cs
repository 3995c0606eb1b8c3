namespace SseFunctions.Benchmarks.Load;

/// <summary>What <see cref="SseFrameParser"/> hands over, without copying: each dispatched event and each comment line.</summary>
public interface ISseEventHandler
{
    /// <summary>An event with data (lines joined with LF); <paramref name="lastEventId"/> is the stream's last event id so far.</summary>
    void OnEvent(ReadOnlySpan<byte> data, ReadOnlySpan<byte> lastEventId);

    void OnComment(ReadOnlySpan<byte> text);
}
