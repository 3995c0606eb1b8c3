using Amqp;
using Amqp.Framing;
using Microsoft.Extensions.Logging;
using SseFunctions.LocalServiceBus.Protocol;
using SseFunctions.LocalServiceBus.Links;
using SseFunctions.LocalServiceBus.Security;

namespace SseFunctions.LocalServiceBus.Management;

/// <summary>The <c>$cbs</c> node: put-token with a SAS token grants the connection access to the token's audience.</summary>
public sealed class CbsRequestHandler(SasTokenValidator validator, ILogger logger)
{
    public void Handle(ConnectionContext connection, Link requestLink, Message request)
    {
        var operation = RequestReplies.ApplicationProperty(request, "operation");
        var type = RequestReplies.ApplicationProperty(request, "type");
        var audience = RequestReplies.ApplicationProperty(request, "name");
        int status;
        string description;
        if (operation != "put-token")
        {
            (status, description) = (400, $"The $cbs operation '{operation}' is not supported; use put-token.");
        }
        else if (type != ServiceBusAmqpNames.SasTokenType.ToString())
        {
            (status, description) = (401, $"Token type '{type}' is not accepted: LocalServiceBus takes SAS tokens ({ServiceBusAmqpNames.SasTokenType}).");
        }
        else if (audience is null)
        {
            (status, description) = (400, "put-token needs the audience in the 'name' application property.");
        }
        else
        {
            var result = validator.Validate(request.Body as string, audience);
            if (result.IsValid)
            {
                connection.Authorization.Grant(EntityAudience.ToEntityPath(audience), result.ExpiresAt);
                (status, description) = (202, "Accepted");
                logger.LogDebug("Connection {Connection} authorized for {Audience}", connection.Id, audience);
            }
            else
            {
                (status, description) = (401, result.Failure switch
                {
                    TokenValidationFailure.Expired => "ExpiredToken: the SAS token has expired.",
                    TokenValidationFailure.UnknownKeyName => "InvalidSignature: unknown shared access key name.",
                    TokenValidationFailure.AudienceMismatch => "InvalidAudience: the token's resource does not cover the requested audience.",
                    TokenValidationFailure.OtherHost =>
                        $"InvalidAudience: the token is for another namespace; LocalServiceBus answers to {string.Join(", ", validator.HostNames.Names)} (add a name with --hostname).",
                    TokenValidationFailure.Malformed => "InvalidToken: not a SharedAccessSignature token.",
                    _ => "InvalidSignature: the token has an invalid signature.",
                });
                logger.LogWarning("put-token refused on connection {Connection} for {Audience}: {Failure}", connection.Id, audience, result.Failure);
            }
        }

        var response = new Message
        {
            ApplicationProperties = new ApplicationProperties(),
        };
        response.ApplicationProperties["status-code"] = status;
        response.ApplicationProperties["status-description"] = description;
        RequestReplies.Send(connection, requestLink, ServiceBusAmqpNames.CbsAddress, request, response, logger);
    }
}
