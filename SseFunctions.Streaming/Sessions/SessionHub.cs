using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SseFunctions.Streaming.Configuration;
using SseFunctions.Streaming.Diagnostics;
using SseFunctions.Streaming.ServiceBus;

namespace SseFunctions.Streaming.Sessions;

/// <summary>
/// The sessions this instance holds: one receiver per session id, shared by every stream of that session here, each
/// on a connection of the <see cref="ServiceBusClientPool"/> with room for it.
/// </summary>
public sealed class SessionHub : IAsyncDisposable
{
    private readonly ServiceBusClientPool clients;
    private readonly SseStreamingOptions options;
    private readonly SseMetrics metrics;
    private readonly ILoggerFactory loggerFactory;
    private readonly TimeProvider timeProvider;
    private readonly ReceiverClosureWatch closureWatch;
    private readonly object gate = new();
    private readonly Dictionary<string, SessionPump> pumps = new(StringComparer.Ordinal);

    public SessionHub(ServiceBusClientPool clients, IOptions<SseStreamingOptions> options, SseMetrics metrics, ILoggerFactory loggerFactory, TimeProvider timeProvider)
    {
        this.clients = clients;
        this.options = options.Value;
        this.metrics = metrics;
        this.loggerFactory = loggerFactory;
        this.timeProvider = timeProvider;
        closureWatch = new ReceiverClosureWatch(timeProvider, this.options.ReceiverCheckInterval);
    }

    /// <summary>Sessions with a receiver (or an attempt at one) on this instance.</summary>
    public int ActiveSessionCount
    {
        get { lock (gate) { return pumps.Count; } }
    }

    /// <summary>
    /// Joins the stream of <paramref name="chatMessageId"/> in session <paramref name="sessionId"/>. Returns once the
    /// session is accepted or known to be locked by another receiver (this hub then keeps trying).
    /// </summary>
    /// <exception cref="ServiceBusException">Service Bus could not be reached or refused the receiver.</exception>
    public async Task<StreamSubscription> SubscribeAsync(string sessionId, string chatMessageId, CancellationToken cancellationToken)
    {
        SessionPump pump;
        StreamSubscription? subscription;
        lock (gate)
        {
            pumps.TryGetValue(sessionId, out var existing);
            subscription = existing?.TryJoin(chatMessageId);
            if (subscription is null)
            {
                pump = new SessionPump(
                    sessionId,
                    clients.Acquire(),
                    options,
                    metrics,
                    loggerFactory.CreateLogger<SessionPump>(),
                    timeProvider,
                    closureWatch,
                    existing?.Completion ?? Task.CompletedTask,
                    OnPumpClosed);
                pumps[sessionId] = pump;
                subscription = pump.TryJoin(chatMessageId)!;
                pump.Start();
            }
            else
            {
                pump = existing!;
            }
        }

        try
        {
            await pump.FirstAttempt.WaitAsync(cancellationToken).ConfigureAwait(false);
            return subscription;
        }
        catch
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Task[] running;
        lock (gate)
        {
            running = pumps.Values.Select(p => p.Completion).ToArray();
        }

        // Pumps close when their streams leave; every stream ends when the host starts stopping (ApplicationStopping).
        await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(10), timeProvider).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        closureWatch.Dispose();
    }

    private void OnPumpClosed(SessionPump pump)
    {
        lock (gate)
        {
            if (pumps.TryGetValue(pump.SessionId, out var current) && current == pump)
            {
                pumps.Remove(pump.SessionId);
            }
        }
    }
}
