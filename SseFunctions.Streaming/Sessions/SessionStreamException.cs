namespace SseFunctions.Streaming.Sessions;

/// <summary>A stream can go on no longer: its session failed for good, or a newer connection for the same chat message took it over.</summary>
/// <param name="canRetry">Whether a new connection may succeed (the session was lost, not taken over by the client's own newer connection).</param>
public sealed class SessionStreamException(string message, Exception? innerException = null, bool canRetry = false) : Exception(message, innerException)
{
    public bool CanRetry { get; } = canRetry;
}
