using Azure.Identity;
using Azure.Messaging.ServiceBus;

namespace SseFunctions.Streaming.ServiceBus;

/// <summary>Names what went wrong with Service Bus in a few words a client may see: never a key, token or address.</summary>
internal static class ServiceBusFailures
{
    public static string Describe(Exception exception) => exception switch
    {
        ServiceBusException serviceBus => serviceBus.Reason.ToString(),

        // The SDK maps amqp:unauthorized-access (a wrong key, an expired signature, a missing role) to this.
        UnauthorizedAccessException => "Unauthorized",
        AuthenticationFailedException => "CredentialUnavailable",
        _ => nameof(ServiceBusFailureReason.GeneralError),
    };
}
