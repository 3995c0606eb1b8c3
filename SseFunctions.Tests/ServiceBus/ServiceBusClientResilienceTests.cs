using Microsoft.Extensions.Logging;
using SseFunctions.Streaming.ServiceBus;
using SseFunctions.Streaming.ServiceBus.Amqp;
using static SseFunctions.Tests.ServiceBus.LocalBusTestContext;

namespace SseFunctions.Tests.ServiceBus;

/// <summary>Outages, reconnection and token handling.</summary>
public class ServiceBusClientResilienceTests
{
    [Fact]
    public async Task A_broker_outage_fails_open_receivers_promptly_then_a_new_accept_reconnects_and_nothing_is_lost_or_completed_twice()
    {
        await using var t = await StartAsync();
        await t.SendAsync("s-outage", 3);
        var receiver = await t.Client.AcceptSessionAsync(Topic, Subscription, "s-outage");
        var three = await ReceiveAsync(receiver, 3);
        three.Should().HaveCount(3);
        var first = three[0];
        var held = three[1];
        await receiver.CompleteMessageAsync(first);
        await Eventually.TrueAsync(() => t.Bus.ActiveMessageCount(EntityPath) + t.Bus.LockedMessageCount(EntityPath) == 2, "one completed");
        var pending = receiver.ReceiveMessagesAsync(10, TimeSpan.FromSeconds(30));

        await t.Bus.SuspendAsync();

        var error = (await pending.Awaiting(p => p).Should().ThrowAsync<ServiceBusException>().WaitAsync(TimeSpan.FromSeconds(3))).Which;
        error.Reason.Should().Be(ServiceBusFailureReason.ServiceCommunicationProblem);
        error.IsTransient.Should().BeTrue();
        receiver.IsClosed.Should().BeTrue();
        var settle = () => receiver.CompleteMessageAsync(held);
        (await settle.Should().ThrowAsync<ServiceBusException>()).Which.Reason.Should().Be(ServiceBusFailureReason.ServiceCommunicationProblem);
        await receiver.DisposeAsync();

        await t.Bus.ResumeAsync();

        await using var again = await t.Client.AcceptSessionAsync(Topic, Subscription, "s-outage");
        t.Client.Scope.CurrentConnection!.Generation.Should().Be(2);
        await again.RenewSessionLockAsync(); // $management is re-created on the new connection
        await again.SetSessionStateAsync(BinaryData.FromString("after-outage"));
        (await again.GetSessionStateAsync())!.ToString().Should().Be("after-outage");
        var rest = await ReceiveAsync(again, 3, TimeSpan.FromSeconds(2));
        rest.Should().HaveCount(2);
        rest.Select(m => m.SequenceNumber).Should().NotContain(first.SequenceNumber).And.Contain(held.SequenceNumber).And.Contain(three[2].SequenceNumber);
        foreach (var message in rest)
        {
            await again.CompleteMessageAsync(message);
        }

        await Eventually.TrueAsync(() => t.Bus.ActiveMessageCount(EntityPath) + t.Bus.LockedMessageCount(EntityPath) == 0, "each message completed exactly once");

        // the sender re-creates its link on the new connection too
        await using var sender = t.Client.CreateSender(Topic);
        await sender.SendMessageAsync(Token("s-outage", "after"));
        await Eventually.TrueAsync(() => t.Bus.ActiveMessageCount(EntityPath) + t.Bus.LockedMessageCount(EntityPath) == 1, "sent after the reconnection");
    }

    [Fact]
    public async Task Accept_retries_with_backoff_while_the_broker_is_down_and_fails_as_a_communication_problem()
    {
        await using var t = await StartAsync();
        await t.SendAsync("s-down", 1);
        await t.Bus.SuspendAsync();

        var started = DateTime.UtcNow;
        var accept = () => t.Client.AcceptSessionAsync(Topic, Subscription, "s-down");
        (await accept.Should().ThrowAsync<ServiceBusException>()).Which.Reason.Should().Be(ServiceBusFailureReason.ServiceCommunicationProblem);
        (DateTime.UtcNow - started).Should().BeLessThan(TimeSpan.FromSeconds(3), "connect retries (50 ms, 100 ms) are not multiplied by accept retries");
        t.Logs.Lines.Count(l => l.Contains("Connecting to Service Bus", StringComparison.Ordinal) && l.Contains("retrying in", StringComparison.Ordinal)).Should().Be(2);

        await using var sender = t.Client.CreateSender(Topic);
        var send = () => sender.SendMessageAsync(Token("s-down", "while-down"));
        (await send.Should().ThrowAsync<ServiceBusException>()).Which.Reason.Should().Be(ServiceBusFailureReason.ServiceCommunicationProblem);

        await t.Bus.ResumeAsync();
        await using var receiver = await t.Client.AcceptSessionAsync(Topic, Subscription, "s-down");
        (await ReceiveAsync(receiver, 1)).Should().ContainSingle();
        await sender.SendMessageAsync(Token("s-down", "after"));
        (await ReceiveAsync(receiver, 1)).Should().ContainSingle();
    }

    [Fact]
    public async Task A_sas_key_token_is_refreshed_before_it_expires()
    {
        await using var t = await StartAsync();
        var cs = ServiceBusConnectionString.Parse(t.Bus.ConnectionString);
        await using var client = new ServiceBusClient(cs, new SasKeyTokenProvider(cs.SharedAccessKeyName!, cs.SharedAccessKey!, TimeSpan.FromSeconds(2)), t.Options());
        await t.SendAsync("s-refresh", 1);
        await using var receiver = await client.AcceptSessionAsync(Topic, Subscription, "s-refresh");
        var audience = client.Scope.GetAudience(EntityPath);
        client.Scope.CurrentConnection!.GetPutTokenCount(audience).Should().Be(1);

        await Task.Delay(TimeSpan.FromSeconds(3.5));

        client.Scope.CurrentConnection!.GetPutTokenCount(audience).Should().BeGreaterThanOrEqualTo(3, "refreshed at half of a 2 s lifetime");
        var message = (await ReceiveAsync(receiver, 1)).Single();
        await receiver.CompleteMessageAsync(message);
        receiver.IsClosed.Should().BeFalse();
    }

    [Fact]
    public async Task A_token_credential_puts_jwt_tokens_for_the_entity_audience_and_refreshes_them()
    {
        using var broker = new FakeServiceBusBroker();
        var credential = new FakeTokenCredential(TimeSpan.FromSeconds(2));
        await using var client = new ServiceBusClient("127.0.0.1", broker.Port, useTls: false, credential, new ServiceBusClientOptions
        {
            RetryOptions = new ServiceBusRetryOptions { MaxRetries = 0, TryTimeout = TimeSpan.FromSeconds(3) },
        });
        var connection = await client.Scope.GetConnectionAsync(default);

        await connection.AuthorizeAsync("sb://127.0.0.1/token-streams/Subscriptions/sse-service-token-streams", default);
        await Task.Delay(TimeSpan.FromSeconds(2.5));

        var puts = broker.PutTokens.ToArray();
        puts.Length.Should().BeGreaterThanOrEqualTo(2, "the 2 s token is refreshed after 1 s");
        puts.Should().OnlyContain(p => p.Type == "jwt" && p.Audience == "sb://127.0.0.1/token-streams/Subscriptions/sse-service-token-streams");
        puts.Select(p => p.Token).Should().StartWith(["fake-jwt-1", "fake-jwt-2"]);
        credential.Scopes.Should().OnlyContain(s => s.Length == 1 && s[0] == "https://servicebus.azure.net/.default");
    }

    [Fact]
    public async Task LocalServiceBus_refuses_a_jwt_and_the_client_reports_it_as_unauthorized()
    {
        await using var t = await StartAsync();
        await using var client = new ServiceBusClient("127.0.0.1", t.Bus.Port, useTls: false, new FakeTokenCredential(), t.Options());

        var accept = () => client.AcceptSessionAsync(Topic, Subscription, "s-jwt");

        var error = (await accept.Should().ThrowAsync<ServiceBusException>()).Which;
        error.Reason.Should().Be(ServiceBusFailureReason.Unauthorized);
        error.Message.Should().Contain("jwt").And.NotContain("fake-jwt-");
    }

    [Fact]
    public async Task A_failing_credential_is_unauthorized_and_is_asked_again_next_time()
    {
        using var broker = new FakeServiceBusBroker();
        var credential = new FlakyCredential();
        await using var client = new ServiceBusClient("127.0.0.1", broker.Port, useTls: false, credential, new ServiceBusClientOptions
        {
            RetryOptions = new ServiceBusRetryOptions { MaxRetries = 0, TryTimeout = TimeSpan.FromSeconds(3) },
        });
        var connection = await client.Scope.GetConnectionAsync(default);

        var first = () => connection.AuthorizeAsync("sb://127.0.0.1/t", default);
        var error = (await first.Should().ThrowAsync<ServiceBusException>()).Which;
        error.Reason.Should().Be(ServiceBusFailureReason.Unauthorized);
        error.Message.Should().Contain("CredentialUnavailableException");

        await connection.AuthorizeAsync("sb://127.0.0.1/t", default);
        broker.PutTokens.Should().ContainSingle().Which.Token.Should().Be("recovered-jwt");
    }

    private sealed class FlakyCredential : Azure.Core.TokenCredential
    {
        private int _calls;

        public override Azure.Core.AccessToken GetToken(Azure.Core.TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _calls) == 1
                ? throw new Azure.Identity.CredentialUnavailableException("no identity endpoint")
                : new Azure.Core.AccessToken("recovered-jwt", DateTimeOffset.UtcNow.AddHours(1));

        public override ValueTask<Azure.Core.AccessToken> GetTokenAsync(Azure.Core.TokenRequestContext requestContext, CancellationToken cancellationToken) =>
            ValueTask.FromResult(GetToken(requestContext, cancellationToken));
    }

    [Fact]
    public async Task A_renewal_refused_with_lock_lost_ends_the_receiver_with_SessionLockLost_on_its_next_receive()
    {
        using var broker = new FakeServiceBusBroker("t/Subscriptions/s");
        broker.RenewFailures.Enqueue((410, "com.microsoft:session-lock-lost"));
        var logs = new CapturingLoggerProvider();
        using var loggerFactory = TraceLogging(logs);
        await using var client = new ServiceBusClient(broker.ConnectionString, NoRetries(loggerFactory));
        await using var receiver = await client.AcceptSessionAsync("t", "s", "s-renew-lost");
        receiver.SessionLockedUntil.Should().BeBefore(DateTimeOffset.UtcNow.AddSeconds(3));

        await Eventually.TrueAsync(() => receiver.IsClosed, "the first renewal (after ~1 s) is refused", TimeSpan.FromSeconds(4));

        var receive = () => receiver.ReceiveMessagesAsync(1, TimeSpan.FromMilliseconds(100));
        var error = (await receive.Should().ThrowAsync<ServiceBusException>()).Which;
        error.Reason.Should().Be(ServiceBusFailureReason.SessionLockLost);
        error.Message.Should().Contain("s-renew-lost");
        broker.RenewCount.Should().Be(1);
        logs.AllText.Should().Contain("Renewing the lock of session s-renew-lost on t/Subscriptions/s failed (SessionLockLost)");
        logs.AllText.Should().NotContain("fake-key");
    }

    [Fact]
    public async Task A_transient_renewal_failure_is_logged_and_retried_and_the_session_stays_open()
    {
        using var broker = new FakeServiceBusBroker("t/Subscriptions/s");
        broker.RenewFailures.Enqueue((503, "com.microsoft:server-busy"));
        var logs = new CapturingLoggerProvider();
        using var loggerFactory = TraceLogging(logs);
        await using var client = new ServiceBusClient(broker.ConnectionString, NoRetries(loggerFactory));
        await using var receiver = await client.AcceptSessionAsync("t", "s", "s-renew-busy");

        await Task.Delay(TimeSpan.FromSeconds(3));

        receiver.IsClosed.Should().BeFalse();
        broker.RenewCount.Should().BeGreaterThanOrEqualTo(3, "a failed renewal is retried sooner, then renewals go on");
        receiver.SessionLockedUntil.Should().BeAfter(DateTimeOffset.UtcNow);
        logs.AllText.Should().Contain("failed (ServiceBusy)");
        (await receiver.ReceiveMessagesAsync(1, TimeSpan.FromMilliseconds(50))).Should().BeEmpty();
    }

    [Fact]
    public async Task Real_namespaces_are_reached_over_tls_and_the_server_certificate_is_checked()
    {
        using var certificate = CreateSelfSignedCertificate();
        using var broker = new FakeServiceBusBroker(tlsCertificate: certificate);
        var credential = new FakeTokenCredential();

        // the platform's check refuses a self-signed certificate
        await using (var strict = new ServiceBusClient("127.0.0.1", broker.Port, useTls: true, credential, new ServiceBusClientOptions
        {
            RetryOptions = new ServiceBusRetryOptions { MaxRetries = 0, TryTimeout = TimeSpan.FromSeconds(3) },
        }))
        {
            var connect = () => strict.Scope.GetConnectionAsync(default);
            (await connect.Should().ThrowAsync<ServiceBusException>()).Which.Reason.Should().Be(ServiceBusFailureReason.ServiceCommunicationProblem);
        }

        // pinned to this certificate, the same client speaks AMQP over TLS: CBS put-token works
        await using var client = new ServiceBusClient("127.0.0.1", broker.Port, useTls: true, credential, new ServiceBusClientOptions
        {
            RetryOptions = new ServiceBusRetryOptions { MaxRetries = 0, TryTimeout = TimeSpan.FromSeconds(3) },
        });
        var validated = 0;
        client.Scope.RemoteCertificateValidation = (_, presented, _, _) =>
        {
            Interlocked.Increment(ref validated);
            return presented is not null && presented.GetCertHashString() == certificate.GetCertHashString();
        };
        var connection = await client.Scope.GetConnectionAsync(default);
        await connection.AuthorizeAsync("sb://127.0.0.1/t", default);

        validated.Should().Be(1);
        broker.PutTokens.Should().ContainSingle().Which.Type.Should().Be("jwt");
    }

    private static System.Security.Cryptography.X509Certificates.X509Certificate2 CreateSelfSignedCertificate()
    {
        using var key = System.Security.Cryptography.RSA.Create(2048);
        var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=127.0.0.1", key, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        var san = new System.Security.Cryptography.X509Certificates.SubjectAlternativeNameBuilder();
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        return System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadPkcs12(created.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx), null);
    }

    private static Microsoft.Extensions.Logging.ILoggerFactory TraceLogging(CapturingLoggerProvider logs) =>
        Microsoft.Extensions.Logging.LoggerFactory.Create(b => b.AddProvider(logs).SetMinimumLevel(Microsoft.Extensions.Logging.LogLevel.Trace));

    private static ServiceBusClientOptions NoRetries(Microsoft.Extensions.Logging.ILoggerFactory loggerFactory) => new()
    {
        LoggerFactory = loggerFactory,
        RetryOptions = new ServiceBusRetryOptions { MaxRetries = 0, TryTimeout = TimeSpan.FromSeconds(3) },
    };
}
