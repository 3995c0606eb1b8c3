using Azure.Messaging.ServiceBus;
using SseFunctions.Streaming.ServiceBus;

namespace SseFunctions.Tests.Engine.Fakes;

internal static class ClientPools
{
    /// <summary>A pool of this client alone: a test that needs a second connection says so with its own pool.</summary>
    public static ServiceBusClientPool AsOnlyConnection(this ServiceBusClient client) =>
        new(client, () => throw new InvalidOperationException("This test's pool has one connection."));
}
