using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Azure.Messaging.ServiceBus;
using SseFunctions.LocalServiceBus;
using static SseFunctions.Tests.Conformance.ConformanceBroker;

namespace SseFunctions.Tests.Conformance;

/// <summary>The .NET SDK over AMQPS (as to Service Bus: no UseDevelopmentEmulator), trusting the development certificate.</summary>
public sealed class TlsTests : IAsyncLifetime
{
    readonly string certificateDirectory = Directory.CreateTempSubdirectory("lsb-tls-").FullName;
    LocalServiceBusHost host = null!;

    public async Task InitializeAsync() => host = await LocalServiceBusHost.StartAsync(new LocalServiceBusOptions
    {
        Port = 0,
        Tls = true,
        TlsPort = 0,
        DevelopmentCertificateDirectory = certificateDirectory,
    });

    public async Task DisposeAsync()
    {
        await host.DisposeAsync();
        Directory.Delete(certificateDirectory, recursive: true);
    }

    [Fact]
    public async Task A_client_that_trusts_the_printed_certificate_sends_and_receives_a_session_over_AMQPS()
    {
        host.CreatedDevelopmentCertificate.Should().BeTrue();
        host.TlsConnectionString.Should().Be($"Endpoint=sb://localhost:{host.TlsPort};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={LocalServiceBusOptions.DevelopmentKey};");
        using var trusted = X509CertificateLoader.LoadCertificateFromFile(host.TrustedCertificatePath!);
        // Like Service Bus, the SDK dials 5671 whatever the endpoint's port: another port is reached through CustomEndpointAddress.
        await using var client = new ServiceBusClient(host.TlsConnectionString, new ServiceBusClientOptions
        {
            CustomEndpointAddress = new Uri($"sb://localhost:{host.TlsPort}"),
            CertificateValidationCallback = (_, certificate, _, errors) => IsTrusted(certificate, errors, trusted),
        });
        var sessionId = NewSessionId();

        await using (var sender = client.CreateSender(Topic))
        {
            await sender.SendMessageAsync(SessionMessage(sessionId, "over TLS"));
        }

        await using var receiver = await client.AcceptSessionAsync(Topic, Subscription, sessionId);
        var message = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(10));
        message!.Body.ToString().Should().Be("over TLS");
        await receiver.CompleteMessageAsync(message);
        host.ActiveMessageCount(Path(Topic, Subscription)).Should().Be(0);
    }

    [Fact]
    public async Task A_client_that_does_not_trust_the_certificate_cannot_connect()
    {
        await using var client = new ServiceBusClient(host.TlsConnectionString, new ServiceBusClientOptions
        {
            CustomEndpointAddress = new Uri($"sb://localhost:{host.TlsPort}"),
            RetryOptions = new ServiceBusRetryOptions { MaxRetries = 0, TryTimeout = TimeSpan.FromSeconds(10) },
        });
        await using var sender = client.CreateSender(Topic);

        var send = () => sender.SendMessageAsync(SessionMessage(NewSessionId(), "refused"));

        (await send.Should().ThrowAsync<Exception>()).Which.ToString().Should().ContainAny("certificate", "SSL", "TLS", "Authentication");
        host.ActiveMessageCount(Path(Topic, Subscription)).Should().Be(0);
    }

    static bool IsTrusted(X509Certificate? presented, SslPolicyErrors errors, X509Certificate2 trusted)
    {
        if (presented is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var certificate = new X509Certificate2(presented);
        return chain.Build(certificate);
    }
}
