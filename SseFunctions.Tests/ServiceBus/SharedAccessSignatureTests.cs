using System.Net;
using System.Security.Cryptography;
using System.Text;
using SseFunctions.Streaming.ServiceBus.Amqp;

namespace SseFunctions.Tests.ServiceBus;

public class SharedAccessSignatureTests
{
    [Fact]
    public void Token_has_the_service_bus_format_and_a_verifiable_signature()
    {
        var expires = DateTimeOffset.FromUnixTimeSeconds(1_900_000_000);
        var resource = "sb://contoso.servicebus.windows.net/token-streams/Subscriptions/sse-service-token-streams";

        var token = SharedAccessSignature.Create("RootManageSharedAccessKey", "the-key", resource, expires);

        token.Should().StartWith("SharedAccessSignature sr=");
        var fields = token["SharedAccessSignature ".Length..].Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);
        fields.Keys.Should().Equal("sr", "sig", "se", "skn");
        fields["sr"].Should().Be("sb%3A%2F%2Fcontoso.servicebus.windows.net%2Ftoken-streams%2FSubscriptions%2Fsse-service-token-streams");
        fields["se"].Should().Be("1900000000");
        fields["skn"].Should().Be("RootManageSharedAccessKey");
        var expected = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes("the-key"), Encoding.UTF8.GetBytes(fields["sr"] + "\n1900000000")));
        WebUtility.UrlDecode(fields["sig"]).Should().Be(expected);
        SharedAccessSignature.GetExpiry(token).Should().Be(expires);
        SharedAccessSignature.GetResource(token).Should().Be(resource);
    }

    [Fact]
    public async Task Key_provider_signs_per_audience_for_an_hour()
    {
        var provider = new SasKeyTokenProvider("k", "the-key", TimeSpan.FromHours(1));

        var token = await provider.GetTokenAsync("sb://h/topic", default);

        token.TokenType.Should().Be("servicebus.windows.net:sastoken");
        SharedAccessSignature.GetResource(token.Token).Should().Be("sb://h/topic");
        token.ExpiresOn.Should().BeCloseTo(DateTimeOffset.UtcNow.AddHours(1), TimeSpan.FromSeconds(5));
        token.ToString().Should().NotContain("sig=");
        provider.ToString().Should().NotContain("the-key");
    }

    [Fact]
    public async Task Credential_provider_asks_for_the_service_bus_scope_and_puts_a_jwt()
    {
        var credential = new FakeTokenCredential();
        var provider = new CredentialTokenProvider(credential);

        var token = await provider.GetTokenAsync("sb://h/topic", default);

        token.TokenType.Should().Be("jwt");
        token.Token.Should().Be("fake-jwt-1");
        credential.Scopes.Should().ContainSingle().Which.Should().Equal("https://servicebus.azure.net/.default");
    }

    [Fact]
    public void Refresh_is_scheduled_before_expiry()
    {
        var now = DateTimeOffset.UtcNow;
        AudienceAuthorization.GetRefreshDelay(now.AddHours(1), now).Should().Be(TimeSpan.FromMinutes(55));
        AudienceAuthorization.GetRefreshDelay(now.AddSeconds(4), now).Should().Be(TimeSpan.FromSeconds(2));
        AudienceAuthorization.GetRefreshDelay(now.AddSeconds(-1), now).Should().Be(TimeSpan.Zero);
        AudienceAuthorization.GetRefreshDelay(DateTimeOffset.MaxValue, now).Should().Be(Timeout.InfiniteTimeSpan);
    }

    [Theory]
    [InlineData("com.microsoft:session-lock-lost", Streaming.ServiceBus.ServiceBusFailureReason.SessionLockLost)]
    [InlineData("com.microsoft:session-cannot-be-locked", Streaming.ServiceBus.ServiceBusFailureReason.SessionCannotBeLocked)]
    [InlineData("amqp:not-found", Streaming.ServiceBus.ServiceBusFailureReason.MessagingEntityNotFound)]
    [InlineData("amqp:unauthorized-access", Streaming.ServiceBus.ServiceBusFailureReason.Unauthorized)]
    [InlineData("com.microsoft:timeout", Streaming.ServiceBus.ServiceBusFailureReason.ServiceTimeout)]
    [InlineData("com.microsoft:server-busy", Streaming.ServiceBus.ServiceBusFailureReason.ServiceBusy)]
    [InlineData("amqp:connection:forced", Streaming.ServiceBus.ServiceBusFailureReason.ServiceCommunicationProblem)]
    [InlineData("amqp:internal-error", Streaming.ServiceBus.ServiceBusFailureReason.GeneralError)]
    public void Error_conditions_map_to_reasons(string condition, Streaming.ServiceBus.ServiceBusFailureReason reason)
    {
        AmqpErrors.ToReason(condition).Should().Be(reason);
    }

    [Fact]
    public void Backoff_grows_exponentially_with_jitter_and_a_cap()
    {
        var policy = new RetryPolicy(new Streaming.ServiceBus.ServiceBusRetryOptions { Delay = TimeSpan.FromSeconds(1), MaxDelay = TimeSpan.FromSeconds(5) });
        policy.GetDelay(1).TotalSeconds.Should().BeInRange(0.8, 1.2);
        policy.GetDelay(2).TotalSeconds.Should().BeInRange(1.6, 2.4);
        policy.GetDelay(3).TotalSeconds.Should().BeInRange(3.2, 4.8);
        policy.GetDelay(10).TotalSeconds.Should().BeInRange(4.0, 5.0);
    }
}
