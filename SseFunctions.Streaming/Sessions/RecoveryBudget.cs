namespace SseFunctions.Streaming.Sessions;

/// <summary>
/// How long a pump may keep recovering its session. A failure starts a streak that only a receiver held for a whole
/// <c>timeout</c> ends; so a session that is accepted and lost again and again (flapping) gives up once the streak
/// is <c>timeout</c> old, however often it was accepted in between.
/// </summary>
internal sealed class RecoveryBudget(TimeSpan timeout, TimeProvider timeProvider)
{
    private static readonly TimeSpan InitialDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(5);

    private long? streakStart;
    private long acceptedAt;
    private int attempt;

    public TimeSpan Timeout => timeout;

    public void Accepted() => acceptedAt = timeProvider.GetTimestamp();

    /// <summary>A held receiver was lost.</summary>
    public void Lost()
    {
        var now = timeProvider.GetTimestamp();
        if (streakStart is null || timeProvider.GetElapsedTime(acceptedAt, now) >= timeout)
        {
            streakStart = now;
            attempt = 0;
        }
    }

    /// <summary>An attempt to accept the session again failed.</summary>
    public void Failed() => streakStart ??= timeProvider.GetTimestamp();

    /// <summary>Whether the streak has lasted <c>timeout</c>: the session counts as lost for good.</summary>
    public bool IsExhausted => streakStart is { } start && timeProvider.GetElapsedTime(start) >= timeout;

    public TimeSpan NextDelay() => Backoff.Delay(InitialDelay, MaxDelay, attempt++);
}
