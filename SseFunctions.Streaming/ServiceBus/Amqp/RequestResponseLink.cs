using System.Collections.Concurrent;
using Amqp;
using Amqp.Framing;
using Microsoft.Extensions.Logging;

namespace SseFunctions.Streaming.ServiceBus.Amqp;

/// <summary>A sender/receiver link pair on a request/response node (<c>$cbs</c>, <c>&lt;entity&gt;/$management</c>):
/// requests carry a message-id and reply-to; the broker answers with correlation-id = message-id on the receiver link,
/// whose name and target address are the reply-to value.</summary>
internal sealed class RequestResponseLink : IAsyncDisposable
{
    private readonly SenderLink _sender;
    private readonly ReceiverLink _receiver;
    private readonly string _replyTo;
    private readonly string _node;
    private readonly ConcurrentDictionary<string, TaskCompletionSource<Message>> _pending = new(StringComparer.Ordinal);
    private readonly ILogger _logger;
    private long _nextId;

    private RequestResponseLink(SenderLink sender, ReceiverLink receiver, string node, string replyTo, ILogger logger)
    {
        _sender = sender;
        _receiver = receiver;
        _node = node;
        _replyTo = replyTo;
        _logger = logger;
    }

    public bool IsClosed => _sender.IsClosed || _receiver.IsClosed;

    public static async Task<RequestResponseLink> CreateAsync(Session session, string node, string entityPath, TimeSpan timeout, ILogger logger, CancellationToken cancellationToken)
    {
        var suffix = Guid.NewGuid().ToString("N");
        var replyTo = node + "-reply-" + suffix;
        var (sender, _) = await LinkAttacher.AttachAsync(
            onAttached => new SenderLink(session, node + "-sender-" + suffix, new Attach
            {
                Source = new Source { Address = replyTo },
                Target = new Target { Address = node },
                SndSettleMode = SenderSettleMode.Unsettled,
                RcvSettleMode = ReceiverSettleMode.First,
            }, onAttached),
            isReceiver: false, entityPath, "Attach to " + node, timeout, cancellationToken).ConfigureAwait(false);

        RequestResponseLink? result = null;
        try
        {
            var (receiver, _) = await LinkAttacher.AttachAsync(
                onAttached => new ReceiverLink(session, replyTo, new Attach
                {
                    Source = new Source { Address = node },
                    Target = new Target { Address = replyTo },
                    SndSettleMode = SenderSettleMode.Unsettled,
                    RcvSettleMode = ReceiverSettleMode.First,
                }, onAttached),
                isReceiver: true, entityPath, "Attach to " + node, timeout, cancellationToken).ConfigureAwait(false);
            result = new RequestResponseLink(sender, receiver, node, replyTo, logger);
        }
        catch
        {
            LinkAttacher.CloseQuietly(sender);
            throw;
        }

        result.Start();
        return result;
    }

    private void Start()
    {
        _receiver.Start(64, OnResponse);
        _receiver.AddClosedCallback(OnClosed);
        _sender.AddClosedCallback(OnClosed);
    }

    private void OnClosed(IAmqpObject sender, Error? error)
    {
        var exception = error is null
            ? new ServiceBusException($"The {_node} link was closed.", ServiceBusFailureReason.ServiceCommunicationProblem)
            : AmqpErrors.FromError(error, null, "The " + _node + " request");
        if (error is not null && AmqpErrors.ToReason(error.Condition.ToString()) == ServiceBusFailureReason.GeneralError)
        {
            exception = new ServiceBusException(exception.Message, ServiceBusFailureReason.ServiceCommunicationProblem);
        }

        foreach (var pair in _pending)
        {
            if (_pending.TryRemove(pair.Key, out var waiter))
            {
                waiter.TrySetException(exception);
            }
        }
    }

    private void OnResponse(IReceiverLink link, Message message)
    {
        try
        {
            link.Accept(message);
        }
        catch (Exception)
        {
            // link closing: the waiter fails in OnClosed.
        }

        var correlationId = message.Properties?.CorrelationId?.ToString();
        if (correlationId is not null && _pending.TryRemove(correlationId, out var waiter))
        {
            waiter.TrySetResult(message);
        }
        else
        {
            _logger.LogDebug("Dropped a response on {Node} with an unknown correlation id.", _node);
        }
    }

    /// <summary>Sends <paramref name="request"/> (message-id and reply-to are set here) and waits for the response.</summary>
    public async Task<Message> RequestAsync(Message request, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + _replyTo;
        request.Properties ??= new Properties();
        request.Properties.MessageId = id;
        request.Properties.ReplyTo = _replyTo;
        var waiter = new TaskCompletionSource<Message>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = waiter;
        try
        {
            if (IsClosed)
            {
                throw new ServiceBusException($"The {_node} link is closed.", ServiceBusFailureReason.ServiceCommunicationProblem);
            }

            // The request's own outcome is not awaited separately: the response (or the link's closure) decides.
            var sent = _sender.SendAsync(request, timeout);
            _ = sent.ContinueWith(
                static (t, state) =>
                {
                    var w = (TaskCompletionSource<Message>)state!;
                    w.TrySetException(t.Exception!.InnerException!);
                },
                waiter,
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
            return await waiter.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pending.TryRemove(id, out _);
            waiter.TrySetCanceled(); // no-op when answered; otherwise nothing can fault it unobserved later
        }
    }

    public async ValueTask DisposeAsync()
    {
        OnClosed(_receiver, null);
        await CloseLinkAsync(_sender).ConfigureAwait(false);
        await CloseLinkAsync(_receiver).ConfigureAwait(false);
    }

    private static async Task CloseLinkAsync(Link link)
    {
        try
        {
            await link.CloseAsync(TimeSpan.FromSeconds(5), null).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // best effort
        }
    }
}
