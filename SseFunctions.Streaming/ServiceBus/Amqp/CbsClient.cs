using System.Globalization;
using Amqp;
using Amqp.Framing;

namespace SseFunctions.Streaming.ServiceBus.Amqp;

/// <summary>put-token on <c>$cbs</c>. Replies carry <c>status-code</c> / <c>status-description</c> application properties.</summary>
internal sealed class CbsClient(RequestResponseLink link) : IAsyncDisposable
{
    public bool IsClosed => link.IsClosed;

    public async Task PutTokenAsync(string audience, CbsToken token, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var request = new Message(token.Token)
        {
            ApplicationProperties = new ApplicationProperties
            {
                [AmqpConstants.OperationKey] = AmqpConstants.PutTokenOperation,
                [AmqpConstants.TypeKey] = token.TokenType,
                [AmqpConstants.NameKey] = audience,
            },
        };

        Message response;
        try
        {
            response = await link.RequestAsync(request, timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw AmqpErrors.Translate(e, audience, "Authorization (put-token)");
        }

        var status = ReadStatus(response.ApplicationProperties, AmqpConstants.CbsStatusCode);
        if (status is 200 or 202)
        {
            return;
        }

        var description = response.ApplicationProperties?[AmqpConstants.CbsStatusDescription] as string;
        var reason = status switch
        {
            401 or 403 => ServiceBusFailureReason.Unauthorized,
            404 => ServiceBusFailureReason.MessagingEntityNotFound,
            503 => ServiceBusFailureReason.ServiceBusy,
            408 => ServiceBusFailureReason.ServiceTimeout,
            _ => ServiceBusFailureReason.GeneralError,
        };
        throw new ServiceBusException(
            string.Create(CultureInfo.InvariantCulture, $"Authorization (put-token, {token.TokenType}) for '{audience}' was refused: {status?.ToString(CultureInfo.InvariantCulture) ?? "no status"}{(string.IsNullOrEmpty(description) ? string.Empty : " " + description)}."),
            reason,
            audience);
    }

    internal static int? ReadStatus(ApplicationProperties? properties, string key) => properties?[key] switch
    {
        int i => i,
        long l => (int)l,
        uint u => (int)u,
        short s => s,
        ushort us => us,
        string text when int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => null,
    };

    public ValueTask DisposeAsync() => link.DisposeAsync();
}
