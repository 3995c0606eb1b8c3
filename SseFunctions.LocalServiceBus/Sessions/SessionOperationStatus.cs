namespace SseFunctions.LocalServiceBus.Sessions;

/// <summary>The outcome of a session operation on <c>$management</c>.</summary>
public enum SessionOperationStatus
{
    Ok,
    SessionLockLost,
}
