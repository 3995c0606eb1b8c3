using Amqp;
using Amqp.Framing;
using Microsoft.Extensions.Logging;
using SseFunctions.LocalServiceBus.Links;

namespace SseFunctions.LocalServiceBus.Management;

/// <summary>Sends a reply of <c>$cbs</c> or <c>$management</c> on the client link named by the request's reply-to.</summary>
public static class RequestReplies
{
    public static void Send(ConnectionContext connection, Message request, Message response, ILogger logger)
    {
        var replyTo = request.Properties?.ReplyTo;
        response.Properties ??= new Properties();
        var id = request.Properties?.GetMessageId();
        if (id is not null)
        {
            response.Properties.SetCorrelationId(id);
        }

        response.Properties.To = replyTo;
        if (!connection.TryGetReplyLink(replyTo, out var link))
        {
            logger.LogWarning("No reply link '{ReplyTo}' on connection {Connection}: the reply is dropped", replyTo, connection.Id);
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
