using System.Threading.Channels;
using Amqp;
using Amqp.Framing;
using Amqp.Types;
using Microsoft.Extensions.Logging;
using SseFunctions.Streaming.ServiceBus.Amqp;

namespace SseFunctions.Streaming.ServiceBus;

/// <summary>
/// A receiver link locked to one session of a queue or subscription. Messages are pushed by AMQPNetLite's I/O thread
/// into a channel (no thread blocked per receiver); link credit bounds what is buffered. Any detach of the link by
/// the broker, and the loss of the connection, ends the receiver: its next call throws a <see cref="ServiceBusException"/>
/// with the mapped reason (SessionLockLost, ServiceCommunicationProblem, ...), and the caller accepts the session again.
/// </summary>
public class ServiceBusSessionReceiver : IAsyncDisposable
{
    private static readonly IReadOnlyList<ServiceBusReceivedMessage> NoMessages = [];
    private static readonly TimeSpan MinRenewInterval = TimeSpan.FromMilliseconds(500);
    private readonly AmqpConnection _connection = null!;
    private readonly ReceiverLink _link = null!;
    private readonly Session _session = null!;
    private readonly Channel<Message> _buffer = null!;
    private readonly ILogger _logger = null!;
    private readonly string _sessionId = string.Empty;
    private readonly string _entityPath = string.Empty;
    private readonly string _audience = string.Empty;
    private readonly bool _peekLock;
    private readonly int _prefetch;
    private readonly CancellationTokenSource _renewStop = new();
    private readonly object _creditGate = new();
    private Task _autoRenew = Task.CompletedTask;
    private Task? _closing;
    private long _lockedUntilTicks;
    private int _creditOutstanding;
    private volatile ServiceBusException? _lost;
    private volatile bool _closeRequested;

    /// <summary>For mocking.</summary>
    protected ServiceBusSessionReceiver() { }

    private ServiceBusSessionReceiver(AmqpConnection connection, Session session, ReceiverLink link, string entityPath, string audience, string sessionId, DateTimeOffset lockedUntil, ServiceBusSessionReceiverOptions options)
    {
        _connection = connection;
        _session = session;
        _link = link;
        _entityPath = entityPath;
        _audience = audience;
        _sessionId = sessionId;
        _lockedUntilTicks = lockedUntil.UtcTicks;
        _peekLock = options.ReceiveMode == ServiceBusReceiveMode.PeekLock;
        _prefetch = Math.Max(0, options.PrefetchCount);
        _logger = connection.Scope.Logger;
        _buffer = Channel.CreateUnbounded<Message>(new UnboundedChannelOptions { SingleWriter = true, SingleReader = false, AllowSynchronousContinuations = false });
    }

    public virtual string SessionId => _sessionId;

    public virtual string EntityPath => _entityPath;

    public virtual DateTimeOffset SessionLockedUntil => new(Interlocked.Read(ref _lockedUntilTicks), TimeSpan.Zero);

    /// <summary>True after <see cref="CloseAsync"/> and once the link is gone (session lock lost, connection lost).</summary>
    public virtual bool IsClosed => _closeRequested || _lost is not null;

    /// <summary>Messages buffered in the receiver (received, not yet returned by a receive call).</summary>
    internal int BufferedCount => _buffer.Reader.Count;

    internal string LinkName => _link.Name;

    internal static async Task<ServiceBusSessionReceiver> AcceptAsync(AmqpConnectionScope scope, string entityPath, string? sessionId, ServiceBusSessionReceiverOptions options, CancellationToken cancellationToken)
    {
        var connection = await scope.GetConnectionAsync(cancellationToken).ConfigureAwait(false);
        var audience = scope.GetAudience(entityPath);
        try
        {
            await connection.AuthorizeAsync(audience, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw connection.IsClosed ? AmqpErrors.ConnectionLost(entityPath, "Accept session") : AmqpErrors.Translate(e, entityPath, "Accept session");
        }

        var peekLock = options.ReceiveMode == ServiceBusReceiveMode.PeekLock;
        var timeout = scope.Retry.Options.TryTimeout;
        var linkName = (options.Identifier ?? scope.Identifier ?? "session-receiver") + "-" + Guid.NewGuid().ToString("N");
        var session = connection.Sessions.Rent();
        ReceiverLink link;
        Attach remote;
        try
        {
            (link, remote) = await LinkAttacher.AttachAsync(
                onAttached => new ReceiverLink(session, linkName, new Attach
                {
                    Source = new Source
                    {
                        Address = entityPath,
                        FilterSet = new Map { [AmqpConstants.SessionFilter] = sessionId },
                    },
                    Target = new Target { Address = linkName },
                    SndSettleMode = peekLock ? SenderSettleMode.Unsettled : SenderSettleMode.Settled,
                    RcvSettleMode = peekLock ? ReceiverSettleMode.Second : ReceiverSettleMode.First,
                    // the broker answers within this (90% of ours) so that "no session" comes back as its timeout, not ours.
                    Properties = new Fields { [AmqpConstants.LinkTimeout] = (uint)Math.Min(uint.MaxValue, timeout.TotalMilliseconds * 0.9) },
                }, onAttached),
                isReceiver: true,
                entityPath,
                sessionId is null ? "Accept next session" : "Accept session '" + sessionId + "'",
                timeout,
                cancellationToken).ConfigureAwait(false);
        }
        catch (ServiceBusException e) when (connection.IsClosed && e.Reason != ServiceBusFailureReason.ServiceCommunicationProblem)
        {
            connection.Sessions.Return(session);
            throw AmqpErrors.ConnectionLost(entityPath, "Accept session");
        }
        catch
        {
            connection.Sessions.Return(session);
            throw;
        }

        var lockedSessionId = ReadSessionId(remote) ?? sessionId;
        if (lockedSessionId is null)
        {
            LinkAttacher.CloseQuietly(link);
            connection.Sessions.Return(session);
            throw new ServiceBusException($"Accept next session on '{entityPath}' failed: the broker did not name the session it locked.", ServiceBusFailureReason.GeneralError, entityPath);
        }

        var receiver = new ServiceBusSessionReceiver(connection, session, link, entityPath, audience, lockedSessionId, ReadLockedUntil(remote), options);
        receiver.Start(options.AutoRenewSessionLock && peekLock);
        Log.SessionAccepted(receiver._logger, entityPath, lockedSessionId, receiver.SessionLockedUntil);
        return receiver;
    }

    private static string? ReadSessionId(Attach remote)
    {
        if (remote.Source is Source { FilterSet: { } filters })
        {
            var value = filters[AmqpConstants.SessionFilter];
            if (value is DescribedValue described)
            {
                value = described.Value;
            }

            return value as string;
        }

        return null;
    }

    private static DateTimeOffset ReadLockedUntil(Attach remote)
    {
        var value = remote.Properties?[AmqpConstants.LockedUntilUtc];
        return value switch
        {
            long ticks when ticks > 0 && ticks <= DateTime.MaxValue.Ticks => new DateTimeOffset(ticks, TimeSpan.Zero),
            DateTime dt => new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)),
            _ => DateTimeOffset.UtcNow.AddMinutes(1),
        };
    }

    private void Start(bool autoRenew)
    {
        _link.AddClosedCallback(OnLinkClosed);
        _link.Start(0, OnMessage);
        if (_prefetch > 0)
        {
            TopUpCredit(0);
        }

        if (autoRenew)
        {
            _autoRenew = AutoRenewAsync(_renewStop.Token);
        }
    }

    // I/O thread: keep it short. The credit is taken back before the message is visible: a receive that counted the
    // message both as outstanding credit and as buffered would grant nothing and wait for a message that never comes.
    private void OnMessage(IReceiverLink link, Message message)
    {
        Interlocked.Decrement(ref _creditOutstanding);
        _buffer.Writer.TryWrite(message);
    }

    // I/O thread (or the thread that closed the link).
    private void OnLinkClosed(IAmqpObject sender, Error? error)
    {
        if (_closeRequested)
        {
            return;
        }

        var condition = error?.Condition.ToString();
        ServiceBusException lost;
        if (_connection.IsClosed || condition is not null && condition.StartsWith("amqp:connection:", StringComparison.Ordinal))
        {
            lost = AmqpErrors.ConnectionLost(_entityPath, $"Receiving from session '{_sessionId}'", error ?? _connection.Error);
        }
        else
        {
            lost = AmqpErrors.FromError(error, _entityPath, $"Receiving from session '{_sessionId}'", ServiceBusFailureReason.SessionLockLost);
        }

        MarkLost(lost, condition);
    }

    private void MarkLost(ServiceBusException lost, string? condition)
    {
        if (_lost is not null || _closeRequested)
        {
            return;
        }

        _lost = lost;
        _buffer.Writer.TryComplete(lost);
        if (_peekLock)
        {
            // their locks died with the link: the broker delivers them again to whoever accepts the session next.
            while (_buffer.Reader.TryRead(out var message))
            {
                message.Dispose();
            }
        }

        if (lost.Reason == ServiceBusFailureReason.ServiceCommunicationProblem)
        {
            // the connection loss itself is logged once, as a warning: not once per receiver
            Log.SessionLostWithConnection(_logger, _entityPath, _sessionId, condition);
        }
        else
        {
            Log.SessionLost(_logger, _entityPath, _sessionId, lost.Reason, condition);
        }
        try
        {
            _renewStop.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private void TopUpCredit(int wanted)
    {
        int grant;
        lock (_creditGate)
        {
            var target = Math.Max(_prefetch, wanted);
            var have = Volatile.Read(ref _creditOutstanding) + _buffer.Reader.Count;
            grant = target - have;
            // Refill only when the window is half used: one flow frame per many messages, not one per message.
            if (grant <= 0 || (have > 0 && grant < Math.Max(1, target / 2)))
            {
                return;
            }

            Interlocked.Add(ref _creditOutstanding, grant);
        }

        try
        {
            _link.SetCredit(grant, CreditMode.Manual);
        }
        catch (Exception)
        {
            // the link is going away: the closed callback reports it.
        }
    }

    private void ThrowIfUnusable()
    {
        if (_lost is { } lost)
        {
            throw new ServiceBusException(lost.Message, lost.Reason, lost.EntityPath, lost);
        }

        ObjectDisposedException.ThrowIf(_closeRequested, this);
    }

    public virtual async Task<IReadOnlyList<ServiceBusReceivedMessage>> ReceiveMessagesAsync(int maxMessages, TimeSpan? maxWaitTime = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxMessages, 1);
        ThrowIfUnusable();
        var result = Drain(maxMessages);
        if (result.Count > 0)
        {
            TopUpCredit(0);
            return result;
        }

        TopUpCredit(maxMessages);
        var wait = maxWaitTime ?? _connection.Retry.Options.TryTimeout;

        // A wait without a limit (a pump that receives until it is cancelled) needs no timer of its own.
        using var timeout = wait == Timeout.InfiniteTimeSpan ? null : CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout?.CancelAfter(wait);
        try
        {
            // WaitToReadAsync consumes nothing: a cancelled wait loses no message.
            if (!await _buffer.Reader.WaitToReadAsync(timeout?.Token ?? cancellationToken).ConfigureAwait(false))
            {
                ThrowIfUnusable();
                return NoMessages;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            ThrowIfUnusable();
            return NoMessages;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            ThrowIfUnusable();
            throw;
        }

        result = Drain(maxMessages);
        TopUpCredit(0);
        return result;
    }

    public virtual async Task<ServiceBusReceivedMessage?> ReceiveMessageAsync(TimeSpan? maxWaitTime = null, CancellationToken cancellationToken = default)
    {
        var messages = await ReceiveMessagesAsync(1, maxWaitTime, cancellationToken).ConfigureAwait(false);
        return messages.Count > 0 ? messages[0] : null;
    }

    private IReadOnlyList<ServiceBusReceivedMessage> Drain(int maxMessages)
    {
        if (!_buffer.Reader.TryRead(out var first))
        {
            return NoMessages;
        }

        var lockedUntil = SessionLockedUntil;
        var list = new List<ServiceBusReceivedMessage>(Math.Min(maxMessages, 1 + _buffer.Reader.Count));
        list.Add(AmqpMessageConverter.FromAmqp(first, _link, lockedUntil, _peekLock));
        while (list.Count < maxMessages && _buffer.Reader.TryRead(out var next))
        {
            list.Add(AmqpMessageConverter.FromAmqp(next, _link, lockedUntil, _peekLock));
        }

        return list;
    }

    public virtual Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default)
    {
        var delivery = GetDeliveryToSettle(message, "Complete");
        try
        {
            _link.Accept(delivery);
        }
        catch (Exception e)
        {
            return Task.FromException(SettleFailed(e, "Complete"));
        }

        return Task.CompletedTask;
    }

    public virtual Task AbandonMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = null, CancellationToken cancellationToken = default)
    {
        var delivery = GetDeliveryToSettle(message, "Abandon");
        Fields? annotations = null;
        if (propertiesToModify is { Count: > 0 })
        {
            annotations = new Fields();
            foreach (var pair in propertiesToModify)
            {
                annotations[new Symbol(pair.Key)] = pair.Value;
            }
        }

        try
        {
            _link.Modify(delivery, deliveryFailed: true, undeliverableHere: false, annotations);
        }
        catch (Exception e)
        {
            return Task.FromException(SettleFailed(e, "Abandon"));
        }

        return Task.CompletedTask;
    }

    public virtual Task DeadLetterMessageAsync(ServiceBusReceivedMessage message, string deadLetterReason, string? deadLetterErrorDescription = null, CancellationToken cancellationToken = default)
    {
        var delivery = GetDeliveryToSettle(message, "Dead-letter");
        try
        {
            _link.Reject(delivery, AmqpMessageConverter.DeadLetterError(deadLetterReason, deadLetterErrorDescription));
        }
        catch (Exception e)
        {
            return Task.FromException(SettleFailed(e, "Dead-letter"));
        }

        return Task.CompletedTask;
    }

    private MessageDelivery GetDeliveryToSettle(ServiceBusReceivedMessage message, string operation)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!_peekLock)
        {
            throw new InvalidOperationException($"{operation} is not possible in receive-and-delete mode.");
        }

        if (!ReferenceEquals(message.ReceivedBy, _link) || message.Delivery.Link is null)
        {
            throw new InvalidOperationException($"{operation}: the message was not received by this receiver (session '{_sessionId}' on '{_entityPath}').");
        }

        if (_lost is { } lost)
        {
            throw new ServiceBusException($"{operation} of a message of session '{_sessionId}' on '{_entityPath}' failed: the session link is gone ({lost.Reason}).", lost.Reason == ServiceBusFailureReason.ServiceCommunicationProblem ? lost.Reason : ServiceBusFailureReason.SessionLockLost, _entityPath, lost);
        }

        ObjectDisposedException.ThrowIf(_closeRequested, this);
        return message.Delivery;
    }

    private ServiceBusException SettleFailed(Exception e, string operation) =>
        _lost ?? (e is ServiceBusException sbe ? sbe : new ServiceBusException($"{operation} of a message of session '{_sessionId}' on '{_entityPath}' failed: {e.Message}", ServiceBusFailureReason.SessionLockLost, _entityPath, e));

    public virtual async Task RenewSessionLockAsync(CancellationToken cancellationToken = default)
    {
        var response = await ManagementAsync(AmqpConstants.RenewSessionLockOperation, new Map { [AmqpConstants.SessionIdKey] = _sessionId }, cancellationToken).ConfigureAwait(false);
        var expiration = (response.Body as Map)?[AmqpConstants.ExpirationKey];
        DateTimeOffset until = expiration switch
        {
            DateTime dt => new DateTimeOffset(DateTime.SpecifyKind(dt, DateTimeKind.Utc)),
            long ticks => new DateTimeOffset(ticks, TimeSpan.Zero),
            _ => throw new ServiceBusException($"Renewing the lock of session '{_sessionId}' on '{_entityPath}': the response has no expiration.", ServiceBusFailureReason.GeneralError, _entityPath),
        };
        Interlocked.Exchange(ref _lockedUntilTicks, until.UtcTicks);
        Log.SessionLockRenewed(_logger, _entityPath, _sessionId, until);
    }

    public virtual async Task<BinaryData?> GetSessionStateAsync(CancellationToken cancellationToken = default)
    {
        var response = await ManagementAsync(AmqpConstants.GetSessionStateOperation, new Map { [AmqpConstants.SessionIdKey] = _sessionId }, cancellationToken).ConfigureAwait(false);
        return (response.Body as Map)?[AmqpConstants.SessionStateKey] switch
        {
            byte[] bytes => new BinaryData(bytes),
            string text => BinaryData.FromString(text),
            _ => null,
        };
    }

    public virtual async Task SetSessionStateAsync(BinaryData? sessionState, CancellationToken cancellationToken = default)
    {
        await ManagementAsync(AmqpConstants.SetSessionStateOperation, new Map
        {
            [AmqpConstants.SessionIdKey] = _sessionId,
            [AmqpConstants.SessionStateKey] = sessionState?.ToArray(),
        }, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Message> ManagementAsync(string operation, Map body, CancellationToken cancellationToken)
    {
        ThrowIfUnusable();
        var timeout = _connection.Retry.Options.TryTimeout;
        var request = new Message
        {
            BodySection = new AmqpValue { Value = body },
            ApplicationProperties = new ApplicationProperties
            {
                [AmqpConstants.OperationKey] = operation,
                [AmqpConstants.ServerTimeout] = (uint)Math.Min(uint.MaxValue, timeout.TotalMilliseconds),
                [AmqpConstants.AssociatedLinkName] = _link.Name,
            },
        };

        Message response;
        try
        {
            var management = await _connection.GetManagementLinkAsync(_entityPath, _audience, cancellationToken).ConfigureAwait(false);
            response = await management.RequestAsync(request, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw _connection.IsClosed ? AmqpErrors.ConnectionLost(_entityPath, operation) : AmqpErrors.Translate(e, _entityPath, operation);
        }

        var status = CbsClient.ReadStatus(response.ApplicationProperties, AmqpConstants.ManagementStatusCode);
        if (status is >= 200 and < 300)
        {
            return response;
        }

        var condition = response.ApplicationProperties?[AmqpConstants.ManagementErrorCondition]?.ToString();
        var description = response.ApplicationProperties?[AmqpConstants.ManagementStatusDescription] as string;
        var reason = condition is not null
            ? AmqpErrors.ToReason(condition)
            : status switch
            {
                401 or 403 => ServiceBusFailureReason.Unauthorized,
                404 => ServiceBusFailureReason.MessagingEntityNotFound,
                408 => ServiceBusFailureReason.ServiceTimeout,
                410 => ServiceBusFailureReason.SessionLockLost,
                503 => ServiceBusFailureReason.ServiceBusy,
                _ => ServiceBusFailureReason.GeneralError,
            };
        throw new ServiceBusException(
            $"{operation} for session '{_sessionId}' on '{_entityPath}' failed: {status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no status"} {condition}{(string.IsNullOrEmpty(description) ? string.Empty : " (" + description + ")")}.",
            reason,
            _entityPath);
    }

    private async Task AutoRenewAsync(CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                // at half the remaining time; never more often than every 500 ms (a skewed clock must not make it spin)
                var remaining = SessionLockedUntil - DateTimeOffset.UtcNow;
                var delay = TimeSpan.FromTicks(Math.Max(MinRenewInterval.Ticks, remaining.Ticks / 2));
                await Task.Delay(delay, stop).ConfigureAwait(false);
                try
                {
                    await RenewSessionLockAsync(stop).ConfigureAwait(false);
                }
                catch (ServiceBusException e)
                {
                    Log.SessionLockRenewFailed(_logger, e, _entityPath, _sessionId, e.Reason);
                    if (e.Reason is ServiceBusFailureReason.SessionLockLost or ServiceBusFailureReason.SessionCannotBeLocked or ServiceBusFailureReason.MessagingEntityNotFound
                        || DateTimeOffset.UtcNow >= SessionLockedUntil)
                    {
                        var lost = new ServiceBusException(
                            $"The lock of session '{_sessionId}' on '{_entityPath}' was lost: renewing it failed ({e.Reason}).",
                            e.Reason == ServiceBusFailureReason.ServiceCommunicationProblem ? e.Reason : ServiceBusFailureReason.SessionLockLost,
                            _entityPath,
                            e);
                        MarkLost(lost, null);
                        LinkAttacher.CloseQuietly(_link);
                        return;
                    }
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Closes the link: the session lock is released and unsettled messages return to the subscription.</summary>
    public virtual async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        if (_link is null)
        {
            return;
        }

        TaskCompletionSource? owner = null;
        Task closing;
        lock (_creditGate)
        {
            if (_closing is null)
            {
                owner = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _closing = owner.Task;
            }

            closing = _closing;
        }

        if (owner is not null)
        {
            // the first caller starts the close outside the lock (the detach goes out now); every caller, this one
            // included, waits for it with its own cancellation. The close's outcome lands in `owner`.
            _ = CompleteCloseAsync(owner);
        }

        await closing.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task CompleteCloseAsync(TaskCompletionSource owner)
    {
        try
        {
            await CloseCoreAsync().ConfigureAwait(false);
            owner.TrySetResult();
        }
        catch (Exception e)
        {
            owner.TrySetException(e);
        }
    }

    private async Task CloseCoreAsync()
    {
        var wasLost = _lost is not null;
        _closeRequested = true;
        _renewStop.Cancel();
        _buffer.Writer.TryComplete();
        Task detached = Task.CompletedTask;
        if (!wasLost && !_link.IsClosed)
        {
            try
            {
                // the detach goes out now; its answer is awaited below without holding anything.
                detached = _link.CloseAsync(_connection.Retry.Options.TryTimeout, null);
            }
            catch (Exception)
            {
            }
        }

        while (_buffer.Reader.TryRead(out var message))
        {
            // unsettled: released by the detach on the broker's side.
            message.Dispose();
        }

        try
        {
            await _autoRenew.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // AutoRenewAsync logs its failures.
        }

        try
        {
            await detached.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // the connection may be gone: nothing is left to release.
        }

        _connection.Sessions.Return(_session);
        _renewStop.Dispose();
        Log.SessionClosed(_logger, _entityPath, _sessionId);
    }

    public virtual async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }
}
