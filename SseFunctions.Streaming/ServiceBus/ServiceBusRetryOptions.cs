namespace SseFunctions.Streaming.ServiceBus;

/// <summary>Exponential backoff with jitter for connecting and for transient failures.</summary>
public class ServiceBusRetryOptions
{
    public int MaxRetries { get; set; } = 3;

    public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(0.8);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How long one attempt (connect, attach, put-token, management request) may take.</summary>
    public TimeSpan TryTimeout { get; set; } = TimeSpan.FromSeconds(60);
}
