using Amqp;
using Amqp.Framing;
using Amqp.Types;

namespace SseFunctions.LocalServiceBus.Management;

/// <summary>A <c>$management</c> reply: camelCase status properties and an AMQP value body.</summary>
public sealed record ManagementResponse(int StatusCode, string StatusDescription, Symbol? ErrorCondition, Map? Body)
{
    public static ManagementResponse Ok(Map body) => new(200, "OK", null, body);

    public static ManagementResponse Error(int statusCode, Symbol condition, string description) => new(statusCode, description, condition, null);

    public Message ToMessage()
    {
        var message = new Message(Body) { ApplicationProperties = new ApplicationProperties() };
        message.ApplicationProperties["statusCode"] = StatusCode;
        message.ApplicationProperties["statusDescription"] = StatusDescription;
        if (ErrorCondition is not null)
        {
            message.ApplicationProperties["errorCondition"] = ErrorCondition;
        }

        return message;
    }
}
