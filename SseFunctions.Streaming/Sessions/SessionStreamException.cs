namespace SseFunctions.Streaming.Sessions;

/// <summary>A stream can go on no longer: its session failed for good, or a newer connection for the same chat message took it over.</summary>
public sealed class SessionStreamException(string message, Exception? innerException = null) : Exception(message, innerException);
