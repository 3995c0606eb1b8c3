using Amqp;
using Amqp.Framing;
using Microsoft.Extensions.Logging;
using SseFunctions.LocalServiceBus.Links;

namespace SseFunctions.LocalServiceBus.Management;

/// <summary>Sends a reply of <c>$cbs</c> or <c>$management</c> on the client link named by the request's reply-to (or, without one, the node's receiver on the same session).</summary>
public static class RequestReplies
{
    public static void Send(ConnectionContext connection, Link requestLink, string node, Message request, Message response, ILogger logger)
    {
        var replyTo = request.Properties?.ReplyTo;
        response.Properties ??= new Properties();
        var id = request.Properties?.GetMessageId();
        if (id is not null)
        {
            response.Properties.SetCorrelationId(id);
        }

        response.Properties.To = replyTo;
        if (!connection.TryGetReplyLink(replyTo, requestLink, node, out var link))
        {
            logger.LogWarning("No reply link '{ReplyTo}' for {Node} on connection {Connection}: the reply is dropped", replyTo ?? "(none: the node's receiver on the session)", node, connection.Id);
            return;
        }

        try
        {
            link.SendMessage(response);
        }
        catch (Exception exception) when (exception is AmqpException or ObjectDisposedException or InvalidOperationException)
        {
            logger.LogDebug("Reply on link '{ReplyTo}' failed: {Error}", replyTo, exception.Message);
        }
    }

    public static string? ApplicationProperty(Message message, string name) => message.ApplicationProperties?.Map[name]?.ToString();
}
