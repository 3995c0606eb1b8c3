namespace SseFunctions.Streaming.Sessions;

/// <summary>Exponential backoff with ±20% jitter, so that instances retrying the same session do not move in step.</summary>
internal static class Backoff
{
    public static TimeSpan Delay(TimeSpan initial, TimeSpan max, int attempt)
    {
        var exponential = initial.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 16));
        var jittered = exponential * (0.8 + (Random.Shared.NextDouble() * 0.4));
        return TimeSpan.FromMilliseconds(Math.Min(jittered, max.TotalMilliseconds));
    }
}
