using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SseFunctions.Streaming.Configuration;
using SseFunctions.Streaming.ServiceBus;
using SseFunctions.Streaming.Sessions;

namespace SseFunctions.Tests.Engine;

/// <summary>The one <see cref="ServiceBusClient"/> of the process, as AddSseStreaming registers it (nothing connects here).</summary>
public class ServiceBusClientRegistrationTests
{
    [Fact]
    public void A_connection_string_gives_one_client_for_the_whole_process_on_AMQP_over_TCP()
    {
        using var host = Build(new() { ["SERVICEBUS_CONNECTION_STRING"] = "Endpoint=sb://chat.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=c2VjcmV0" });

        var client = host.Services.GetRequiredService<ServiceBusClient>();

        client.FullyQualifiedNamespace.Should().Be("chat.servicebus.windows.net");
        client.TransportType.Should().Be(ServiceBusTransportType.AmqpTcp);
        host.Services.GetRequiredService<ServiceBusClient>().Should().BeSameAs(client);
        host.Services.GetRequiredService<SessionHub>().Should().NotBeNull();
    }

    [Fact]
    public void A_namespace_alone_uses_the_managed_identity_over_WebSockets_when_asked()
    {
        using var host = Build(new()
        {
            ["SERVICEBUS_FULLY_QUALIFIED_NAMESPACE"] = "chat.servicebus.windows.net",
            ["SERVICEBUS_TRANSPORT_TYPE"] = "AmqpWebSockets",
        });

        var client = host.Services.GetRequiredService<ServiceBusClient>();

        client.FullyQualifiedNamespace.Should().Be("chat.servicebus.windows.net");
        client.TransportType.Should().Be(ServiceBusTransportType.AmqpWebSockets);
    }

    [Fact]
    public void AZURE_CLIENT_ID_selects_the_user_assigned_identity()
    {
        var credential = ServiceBusClientRegistration.CredentialOptions(new SseStreamingOptions { ManagedIdentityClientId = "client-id" });

        credential.ManagedIdentityClientId.Should().Be("client-id");
        credential.WorkloadIdentityClientId.Should().Be("client-id");
        ServiceBusClientRegistration.CredentialOptions(new SseStreamingOptions()).ManagedIdentityClientId.Should().BeNull("without it, the system-assigned identity");
    }

    [Fact]
    public void Operations_are_retried_quickly_a_few_times_within_the_connect_timeout()
    {
        var clientOptions = new ServiceBusClientOptions();

        ServiceBusClientRegistration.ConfigureClient(clientOptions, new SseStreamingOptions { ConnectTimeout = TimeSpan.FromSeconds(7) });

        clientOptions.RetryOptions.Mode.Should().Be(ServiceBusRetryMode.Exponential);
        clientOptions.RetryOptions.MaxRetries.Should().Be(3);
        clientOptions.RetryOptions.TryTimeout.Should().Be(TimeSpan.FromSeconds(7));
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddSseStreaming(builder.Configuration);
        return builder.Build();
    }
}
