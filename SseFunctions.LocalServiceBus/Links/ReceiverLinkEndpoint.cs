using Amqp;
using Amqp.Framing;
using Amqp.Listener;
using Microsoft.Extensions.Logging;
using SseFunctions.LocalServiceBus.Entities;
using SseFunctions.LocalServiceBus.Protocol;

namespace SseFunctions.LocalServiceBus.Links;

/// <summary>
/// AMQPNetLite's endpoint for a client receiver. An endpoint (unlike InitializeSender's callbacks) sees every flow,
/// including a drain request that adds no credit, which the SDK's batching receiver waits on; the credit itself comes
/// from the client's flow as sent (see <see cref="ClientFlowTracker"/>).
/// </summary>
public sealed class ReceiverLinkEndpoint(EntityReceiverLink receiver, ILogger logger) : LinkEndpoint
{
    public override void OnFlow(FlowContext flowContext)
    {
        try
        {
            if (!receiver.TryGetClientFlow(out var flow))
            {
                return;
            }

            var work = new DeferredWork();
            receiver.Entity.UpdateCredit(receiver, flow, work);
            work.Run();
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            logger.LogError(exception, "Handling credit on link {Link} failed", receiver.Name);
        }
    }

    public override void OnDisposition(DispositionContext dispositionContext)
    {
        if (dispositionContext.Message is not OutgoingMessage outgoing)
        {
            return;
        }

        // When a link, session or connection ends with an error, AMQPNetLite cancels the deliveries it had not written
        // yet as Rejected with that error ("Connection reset by peer", "The connection is closing."): not the client's
        // outcome, so no dead-letter. The client never saw them: they go back in line as released, not counted.
        var state = outgoing.GetDelivery().State;
        var session = receiver.Link.Session;
        if (state is Rejected && (receiver.Link.IsClosed || session.IsClosed || session.Connection.IsClosed))
        {
            state = new Released();
        }

        var work = new DeferredWork();
        DeliveryState outcome;
        try
        {
            outcome = receiver.Entity.Settle(receiver, outgoing, state, work);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            logger.LogError(exception, "Settling a delivery on link {Link} failed", receiver.Name);
            outcome = new Rejected { Error = new Error(ErrorConditions.InternalError) { Description = "The broker could not settle the message." } };
        }

        if (!dispositionContext.Settled)
        {
            try
            {
                receiver.Link.DisposeMessage(outgoing, outcome, true);
            }
            catch (Exception exception) when (exception is AmqpException or ObjectDisposedException or InvalidOperationException)
            {
                // The link is closing: nothing to confirm.
            }
        }

        work.Run();
    }
}
