using Azure.Core;
using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using SseFunctions.Streaming.Configuration;

namespace SseFunctions.Streaming.ServiceBus;

/// <summary>
/// The process's <see cref="ServiceBusClient"/> (one AMQP connection), registered through Microsoft.Extensions.Azure
/// as Azure SDK users expect: a SAS connection string, or the namespace with <see cref="DefaultAzureCredential"/>.
/// The choice is made from the validated settings when the client is first needed. Beside it a
/// <see cref="ServiceBusClientPool"/> whose first connection is that client and whose further ones (for more session
/// receivers than one connection holds) are made the same way.
/// </summary>
internal static class ServiceBusClientRegistration
{
    public static void AddTokenStreamsServiceBusClient(this IServiceCollection services)
    {
        services.TryAddSingleton<AzureSdkLogForwarder>();
        services.AddAzureClients(clients =>
        {
            clients.AddClient<ServiceBusClient, ServiceBusClientOptions>((clientOptions, credential, provider) =>
                {
                    // The factory has just started its forwarder at Verbose: replace it by one at the configured level
                    // (measured: about a fifth of the service's CPU per token went to SDK events nobody logged).
                    provider.GetRequiredService<AzureEventSourceLogForwarder>().Dispose();
                    provider.GetRequiredService<AzureSdkLogForwarder>().Start();

                    return CreateClient(Settings(provider), clientOptions, credential);
                })
                .ConfigureOptions((clientOptions, provider) => ConfigureClient(clientOptions, Settings(provider)));
            clients.UseCredential(provider => CreateCredential(Settings(provider)));
        });
        services.TryAddSingleton(provider =>
        {
            var settings = Settings(provider);
            var credential = new Lazy<TokenCredential>(() => CreateCredential(settings));
            return new ServiceBusClientPool(
                provider.GetRequiredService<ServiceBusClient>(),
                () =>
                {
                    var clientOptions = new ServiceBusClientOptions();
                    ConfigureClient(clientOptions, settings);
                    return CreateClient(settings, clientOptions, settings.ConnectionString is null ? credential.Value : null);
                });
        });
    }

    private static ServiceBusClient CreateClient(SseStreamingOptions settings, ServiceBusClientOptions clientOptions, TokenCredential? credential) =>
        settings.ConnectionString is { } connectionString
            ? new ServiceBusClient(connectionString, clientOptions)
            : new ServiceBusClient(settings.FullyQualifiedNamespace!, credential!, clientOptions);

    internal static void ConfigureClient(ServiceBusClientOptions clientOptions, SseStreamingOptions settings)
    {
        clientOptions.TransportType = settings.TransportType;

        // The SDK retries each operation (accept, receive, settle, renew) on transient failures, quickly, a few
        // times; the session pump recovers beyond that with its own backoff, for up to SessionRecoveryTimeout.
        clientOptions.RetryOptions = new ServiceBusRetryOptions
        {
            Mode = ServiceBusRetryMode.Exponential,
            MaxRetries = 3,
            Delay = TimeSpan.FromMilliseconds(200),
            MaxDelay = TimeSpan.FromSeconds(2),
            TryTimeout = settings.ConnectTimeout,
        };
    }

    internal static DefaultAzureCredentialOptions CredentialOptions(SseStreamingOptions settings) => new()
    {
        // AZURE_CLIENT_ID selects a user-assigned identity; without it the system-assigned one (or az login locally).
        ManagedIdentityClientId = settings.ManagedIdentityClientId,
        WorkloadIdentityClientId = settings.ManagedIdentityClientId,
    };

    private static TokenCredential CreateCredential(SseStreamingOptions settings) => new DefaultAzureCredential(CredentialOptions(settings));

    private static SseStreamingOptions Settings(IServiceProvider provider) => provider.GetRequiredService<IOptions<SseStreamingOptions>>().Value;
}
