namespace SseFunctions.Streaming.Streams;

/// <summary>How a stream ended: the <c>outcome</c> tag of <c>sse.streams.ended</c> and of the "Stream ended" log line.</summary>
public static class StreamOutcome
{
    /// <summary>The end marker was sent.</summary>
    public const string End = "end";

    /// <summary>The producer's error was sent.</summary>
    public const string ProducerError = "producer-error";

    public const string IdleTimeout = "idle-timeout";

    public const string MaxDuration = "max-duration";

    /// <summary>The session could not be kept, or a newer connection took the stream over: an error frame was sent.</summary>
    public const string Failed = "failed";

    /// <summary>The client left, or a flush did not reach the connection.</summary>
    public const string Disconnected = "disconnected";

    /// <summary>The connection took nothing for a whole write deadline: a client that does not read.</summary>
    public const string WriteTimeout = "write-timeout";

    /// <summary>The host is stopping: an error frame with <c>"retry":true</c> was sent (when the connection took it).</summary>
    public const string Shutdown = "shutdown";

    /// <summary>An exception of the service's own: the connection was aborted.</summary>
    public const string Error = "error";
}
