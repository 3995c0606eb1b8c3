using Amqp;
using Amqp.Framing;
using Microsoft.Extensions.Logging;
using SseFunctions.Streaming.ServiceBus.Amqp;

namespace SseFunctions.Streaming.ServiceBus;

/// <summary>Sends messages to a queue or topic over the client's shared connection. The sender link is created on
/// first use and again after it (or the connection) was lost. A batch is pipelined: every transfer goes out at once
/// and all outcomes are awaited; transient failures are retried for the messages not yet accepted.</summary>
public class ServiceBusSender : IAsyncDisposable
{
    private readonly AmqpConnectionScope _scope = null!;
    private readonly string _entityPath = string.Empty;
    private readonly object _gate = new();
    private Task<LinkState>? _link;
    private bool _closed;

    /// <summary>For mocking.</summary>
    protected ServiceBusSender() { }

    internal ServiceBusSender(AmqpConnectionScope scope, string entityPath)
    {
        _scope = scope;
        _entityPath = entityPath;
    }

    public virtual string EntityPath => _entityPath;

    public virtual Task SendMessageAsync(ServiceBusMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return SendMessagesAsync([message], cancellationToken);
    }

    public virtual async Task SendMessagesAsync(IEnumerable<ServiceBusMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ObjectDisposedException.ThrowIf(_closed || _scope.IsDisposed, this);
        var pending = messages.ToList();
        if (pending.Count == 0)
        {
            return;
        }

        // message ids are fixed before the first attempt so that a retried message keeps its id.
        var ids = new string[pending.Count];
        for (var i = 0; i < pending.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(pending[i], nameof(messages));
            ids[i] = pending[i].MessageId ?? Guid.NewGuid().ToString("N");
        }

        var remaining = Enumerable.Range(0, pending.Count).ToList();
        var options = _scope.Retry.Options;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await SendOnceAsync(pending, ids, remaining, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (ServiceBusException e) when (e.IsTransient && !AmqpConnectionScope.IsConnectFailure(e) && attempt <= options.MaxRetries && !cancellationToken.IsCancellationRequested && !_closed)
            {
                var delay = _scope.Retry.GetDelay(attempt);
                Log.SendRetry(_scope.Logger, e, _entityPath, e.Reason, attempt, delay.TotalMilliseconds);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task SendOnceAsync(List<ServiceBusMessage> messages, string[] ids, List<int> remaining, CancellationToken cancellationToken)
    {
        var state = await GetLinkAsync(cancellationToken).ConfigureAwait(false);
        var timeout = _scope.Retry.Options.TryTimeout;
        var sends = new Task[remaining.Count];
        for (var i = 0; i < remaining.Count; i++)
        {
            var amqp = AmqpMessageConverter.ToAmqp(messages[remaining[i]]);
            amqp.Properties.MessageId = ids[remaining[i]];
            var outcome = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            sends[i] = outcome.Task;
            try
            {
                // queued on the link (never blocks); the outcome arrives on the I/O thread.
                state.Link.Send(amqp, OnOutcome, outcome);
            }
            catch (Exception e)
            {
                outcome.TrySetException(e);
            }
        }

        try
        {
            // one timer for the whole batch instead of one per message
            await Task.WhenAll(sends).WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            throw new ServiceBusException($"Send to '{_entityPath}' timed out after {timeout.TotalSeconds:0.#} s waiting for the broker's outcome.", ServiceBusFailureReason.ServiceTimeout, _entityPath, e);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception)
        {
            // keep only what was not accepted, and report the first failure.
            Exception? first = null;
            for (var i = sends.Length - 1; i >= 0; i--)
            {
                if (sends[i].IsCompletedSuccessfully)
                {
                    remaining.RemoveAt(i);
                }
                else if (sends[i].Exception?.InnerException is { } failure)
                {
                    first = failure;
                }
            }

            var exception = first is null
                ? new ServiceBusException($"Send to '{_entityPath}' failed.", ServiceBusFailureReason.GeneralError, _entityPath)
                : state.Connection.IsClosed || state.Link.IsClosed && first is not AmqpException
                    ? AmqpErrors.ConnectionLost(_entityPath, "Send")
                    : AmqpErrors.Translate(first, _entityPath, "Send");
            throw exception;
        }
    }

    private static readonly OutcomeCallback OnOutcome = static (_, _, outcome, state) =>
    {
        var completion = (TaskCompletionSource)state!;
        switch (outcome)
        {
            case Accepted:
                completion.TrySetResult();
                break;
            case Rejected rejected:
                completion.TrySetException(new AmqpException(rejected.Error ?? new Error(new global::Amqp.Types.Symbol("amqp:internal-error"))));
                break;
            case Released:
                completion.TrySetException(new ServiceBusException("The broker released the message (not accepted, not rejected).", ServiceBusFailureReason.ServiceBusy));
                break;
            default:
                // the link or connection closed before an outcome came
                completion.TrySetException(new AmqpException(new Error(new global::Amqp.Types.Symbol(AmqpConstants.DetachForcedCondition)) { Description = "no outcome: " + outcome }));
                break;
        }
    };

    private async Task<LinkState> GetLinkAsync(CancellationToken cancellationToken)
    {
        Task<LinkState> task;
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, this);
            if (_link is null || _link.IsFaulted || _link.IsCanceled || (_link.IsCompletedSuccessfully && (_link.Result.Link.IsClosed || _link.Result.Connection.IsClosed)))
            {
                var previous = _link;
                _link = CreateLinkAsync(previous);
            }

            task = _link;
        }

        return await task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<LinkState> CreateLinkAsync(Task<LinkState>? previous)
    {
        await Task.Yield(); // started under _gate: leave it before touching the link
        if (previous is { IsCompletedSuccessfully: true })
        {
            previous.Result.Release();
        }

        // shared by every caller: bounded by TryTimeout, not by one caller's token.
        using var timeout = new CancellationTokenSource(_scope.Retry.Options.TryTimeout);
        var connection = await _scope.GetConnectionAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await connection.AuthorizeAsync(_scope.GetAudience(_entityPath), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not ServiceBusException)
        {
            throw connection.IsClosed ? AmqpErrors.ConnectionLost(_entityPath, "Attach sender") : AmqpErrors.Translate(e, _entityPath, "Attach sender");
        }

        var session = connection.Sessions.Rent();
        var name = (_scope.Identifier ?? "sender") + "-" + Guid.NewGuid().ToString("N");
        try
        {
            var (link, _) = await LinkAttacher.AttachAsync(
                onAttached => new SenderLink(session, name, new Attach
                {
                    Source = new Source { Address = name },
                    Target = new Target { Address = _entityPath },
                    SndSettleMode = SenderSettleMode.Unsettled,
                    RcvSettleMode = ReceiverSettleMode.First,
                }, onAttached),
                isReceiver: false,
                _entityPath,
                "Attach sender",
                _scope.Retry.Options.TryTimeout,
                CancellationToken.None).ConfigureAwait(false);
            return new LinkState(connection, session, link);
        }
        catch
        {
            connection.Sessions.Return(session);
            throw;
        }
    }

    public virtual async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        Task<LinkState>? link;
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            _closed = true;
            link = _link;
            _link = null;
        }

        if (link is null)
        {
            return;
        }

        try
        {
            var state = await link.WaitAsync(cancellationToken).ConfigureAwait(false);
            await state.Link.CloseAsync(_scope.Retry.Options.TryTimeout, null).WaitAsync(cancellationToken).ConfigureAwait(false);
            state.Connection.Sessions.Return(state.Session);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // never attached, or the connection is gone: nothing to release.
        }
    }

    public virtual async ValueTask DisposeAsync()
    {
        await CloseAsync().ConfigureAwait(false);
        GC.SuppressFinalize(this);
    }

    private sealed record LinkState(AmqpConnection Connection, Session Session, SenderLink Link)
    {
        public void Release()
        {
            LinkAttacher.CloseQuietly(Link);
            Connection.Sessions.Return(Session);
        }
    }
}
