using Amqp;
using Amqp.Framing;

namespace SseFunctions.Streaming.ServiceBus.Amqp;

/// <summary>Creates a link and waits, without blocking a thread, for the broker's attach (or its refusal).
/// A broker that refuses a link answers with an attach without a source/target and then a detach with an error:
/// the detach decides the outcome.</summary>
internal static class LinkAttacher
{
    public static async Task<(TLink Link, Attach RemoteAttach)> AttachAsync<TLink>(
        Func<OnAttached, TLink> create,
        bool isReceiver,
        string entityPath,
        string operation,
        TimeSpan timeout,
        CancellationToken cancellationToken)
        where TLink : Link
    {
        var attached = new TaskCompletionSource<Attach>(TaskCreationOptions.RunContinuationsAsynchronously);
        TLink link;
        try
        {
            link = create((_, attach) =>
            {
                var refused = isReceiver ? attach.Source is null : attach.Target is null;
                if (!refused)
                {
                    attached.TrySetResult(attach);
                }

                // refused: the detach with the error follows.
            });
        }
        catch (Exception e)
        {
            throw AmqpErrors.Translate(e, entityPath, operation);
        }

        link.AddClosedCallback((sender, error) =>
        {
            attached.TrySetException(error is null
                ? new ServiceBusException($"{operation} on '{entityPath}' failed: the link was closed before it was attached.", ServiceBusFailureReason.ServiceCommunicationProblem, entityPath)
                : AmqpErrors.FromError(error, entityPath, operation));
        });

        try
        {
            var remote = await attached.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            return (link, remote);
        }
        catch (Exception e)
        {
            attached.TrySetCanceled(); // a later closed callback must not leave an unobserved faulted task
            CloseQuietly(link);
            if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            if (e is TimeoutException)
            {
                throw new ServiceBusException($"{operation} on '{entityPath}' timed out after {timeout.TotalSeconds:0.#} s waiting for the broker to attach the link.", ServiceBusFailureReason.ServiceTimeout, entityPath, e);
            }

            throw AmqpErrors.Translate(e, entityPath, operation);
        }
    }

    /// <summary>Sends a detach without waiting for the answer (never blocks, never throws).</summary>
    public static void CloseQuietly(AmqpObject? amqpObject)
    {
        if (amqpObject is null)
        {
            return;
        }

        try
        {
            amqpObject.Close(TimeSpan.Zero);
        }
        catch (Exception)
        {
            // already closed or the connection is gone: nothing to release.
        }
    }
}
