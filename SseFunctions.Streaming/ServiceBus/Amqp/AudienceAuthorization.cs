using Microsoft.Extensions.Logging;

namespace SseFunctions.Streaming.ServiceBus.Amqp;

/// <summary>One authorised audience on one connection: the first put-token, then a timer that puts a fresh token
/// before the current one expires, for as long as the connection lives. Disposed with the connection.</summary>
internal sealed class AudienceAuthorization : IAsyncDisposable
{
    private static readonly TimeSpan MaxRefreshMargin = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan MaxTimerDue = TimeSpan.FromHours(12);
    private readonly AmqpConnection _connection;
    private readonly ILogger _logger;
    private readonly Timer _timer;
    private readonly CancellationTokenSource _disposed = new();
    private readonly object _gate = new();
    private Task _refreshing = Task.CompletedTask;
    private DateTimeOffset _expiresOn;

    public AudienceAuthorization(AmqpConnection connection, string audience, ILogger logger)
    {
        _connection = connection;
        Audience = audience;
        _logger = logger;
        _timer = new Timer(static s => ((AudienceAuthorization)s!).OnTimer(), this, Timeout.Infinite, Timeout.Infinite);
        Authorized = AuthorizeFirstAsync();
    }

    public string Audience { get; }

    /// <summary>Completes when the first token was accepted; faults (ServiceBusException) when it was refused.</summary>
    public Task Authorized { get; }

    /// <summary>How many tokens were put (first + refreshes), for tests.</summary>
    public int PutCount { get; private set; }

    private async Task AuthorizeFirstAsync()
    {
        await Task.Yield(); // started by the constructor (inside Lazy's lock): get the token and put it outside
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_disposed.Token);
        await PutAsync(timeout.Token).ConfigureAwait(false);
    }

    private async Task PutAsync(CancellationToken cancellationToken)
    {
        CbsToken token;
        try
        {
            token = await _connection.TokenProvider.GetTokenAsync(Audience, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // e.g. Azure.Identity's CredentialUnavailableException / AuthenticationFailedException
            throw new ServiceBusException($"Getting a token for '{Audience}' failed: {e.GetType().Name}: {e.Message}", ServiceBusFailureReason.Unauthorized, Audience, e);
        }

        await _connection.Cbs.PutTokenAsync(Audience, token, _connection.Retry.Options.TryTimeout, cancellationToken).ConfigureAwait(false);
        PutCount++;
        _expiresOn = token.ExpiresOn;
        Log.TokenPut(_logger, Audience, token.TokenType, token.ExpiresOn);
        Schedule(GetRefreshDelay(token.ExpiresOn, DateTimeOffset.UtcNow));
    }

    internal static TimeSpan GetRefreshDelay(DateTimeOffset expiresOn, DateTimeOffset now)
    {
        if (expiresOn == DateTimeOffset.MaxValue)
        {
            return Timeout.InfiniteTimeSpan;
        }

        var lifetime = expiresOn - now;
        if (lifetime <= TimeSpan.Zero)
        {
            return TimeSpan.Zero;
        }

        var margin = TimeSpan.FromTicks(Math.Min(MaxRefreshMargin.Ticks, lifetime.Ticks / 2));
        return lifetime - margin;
    }

    private void Schedule(TimeSpan delay)
    {
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested)
            {
                return;
            }

            if (delay == Timeout.InfiniteTimeSpan)
            {
                _timer.Change(Timeout.Infinite, Timeout.Infinite);
                return;
            }

            _timer.Change(delay > MaxTimerDue ? MaxTimerDue : delay, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnTimer()
    {
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested || !_refreshing.IsCompleted)
            {
                return;
            }

            _refreshing = RefreshAsync();
        }
    }

    private async Task RefreshAsync()
    {
        await Task.Yield(); // started under _gate: a credential may do I/O before its first await
        try
        {
            await PutAsync(_disposed.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_disposed.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            if (_connection.IsClosed)
            {
                return;
            }

            var remaining = _expiresOn - DateTimeOffset.UtcNow;
            var retryIn = TimeSpan.FromTicks(Math.Clamp(remaining.Ticks / 4, TimeSpan.FromSeconds(1).Ticks, TimeSpan.FromSeconds(30).Ticks));
            Log.TokenRefreshFailed(_logger, e, Audience, retryIn.TotalSeconds);
            Schedule(retryIn);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task refreshing;
        lock (_gate)
        {
            if (_disposed.IsCancellationRequested)
            {
                return;
            }

            _disposed.Cancel();
            refreshing = _refreshing;
        }

        await _timer.DisposeAsync().ConfigureAwait(false);
        try
        {
            await refreshing.ConfigureAwait(false);
            await Authorized.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // observed: the refresh logs its own failures; the first failure was thrown to whoever awaited it.
        }

        _disposed.Dispose();
    }
}
