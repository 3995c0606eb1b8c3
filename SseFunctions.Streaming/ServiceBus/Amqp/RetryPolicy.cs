namespace SseFunctions.Streaming.ServiceBus.Amqp;

/// <summary>Exponential backoff with jitter from <see cref="ServiceBusRetryOptions"/>.</summary>
internal sealed class RetryPolicy(ServiceBusRetryOptions options)
{
    public ServiceBusRetryOptions Options { get; } = options;

    /// <summary>Delay before retry number <paramref name="attempt"/> (1-based): Delay * 2^(attempt-1), capped at MaxDelay, with ±20% jitter.</summary>
    public TimeSpan GetDelay(int attempt)
    {
        var baseMs = Options.Delay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30));
        var capped = Math.Min(baseMs, Options.MaxDelay.TotalMilliseconds);
        var jitter = 0.8 + (Random.Shared.NextDouble() * 0.4);
        return TimeSpan.FromMilliseconds(Math.Max(0, Math.Min(capped * jitter, Options.MaxDelay.TotalMilliseconds)));
    }

    /// <summary>Runs <paramref name="operation"/>, retrying transient <see cref="ServiceBusException"/>s up to MaxRetries times.</summary>
    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> operation, Func<ServiceBusException, bool> shouldRetry, Action<ServiceBusException, int, TimeSpan>? onRetry, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await operation(cancellationToken).ConfigureAwait(false);
            }
            catch (ServiceBusException e) when (attempt <= Options.MaxRetries && shouldRetry(e) && !cancellationToken.IsCancellationRequested)
            {
                var delay = GetDelay(attempt);
                onRetry?.Invoke(e, attempt, delay);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
