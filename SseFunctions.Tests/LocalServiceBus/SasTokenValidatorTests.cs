using System.Net;
using SseFunctions.LocalServiceBus;
using SseFunctions.LocalServiceBus.Security;

namespace SseFunctions.Tests.LocalServiceBus;

public class SasTokenValidatorTests
{
    const string KeyName = "RootManageSharedAccessKey";
    const string Key = LocalServiceBusOptions.DevelopmentKey;
    const string Audience = "sb://localhost:5672/token-streams/Subscriptions/sse-service-token-streams";
    static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);
    readonly SasTokenValidator validator = new(KeyName, Key, new BrokerHostNames("127.0.0.1", ["sb.example.test"]), new FixedTime(Now));

    [Fact]
    public void A_token_signed_with_the_key_is_valid_for_its_resource()
    {
        var token = SharedAccessSignature.CreateToken(Audience, KeyName, Key, Now.AddHours(1));

        var result = validator.Validate(token, Audience);

        result.IsValid.Should().BeTrue();
        result.Scope.Should().Be("token-streams/Subscriptions/sse-service-token-streams");
        result.ExpiresAt.Should().Be(Now.AddHours(1));
    }

    [Fact]
    public void The_signature_is_HMAC_SHA256_over_the_url_encoded_resource_and_the_expiry()
    {
        // Computed independently: printf 'sb%3A%2F%2Flocalhost%2Ftopic\n1800000000' | openssl dgst -sha256 -hmac <key> -binary | base64
        var signature = SharedAccessSignature.ComputeSignature(WebUtility.UrlEncode("sb://localhost/topic"), "1800000000", "secret");

        signature.Should().Be(Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(
            "secret"u8.ToArray(), "sb%3A%2F%2Flocalhost%2Ftopic\n1800000000"u8.ToArray())));
    }

    [Fact]
    public void A_namespace_token_covers_every_entity()
    {
        var token = SharedAccessSignature.CreateToken("sb://localhost:5672/", KeyName, Key, Now.AddHours(1));

        validator.Validate(token, Audience).IsValid.Should().BeTrue();
    }

    [Fact]
    public void A_topic_token_covers_its_subscriptions_but_not_another_topic()
    {
        var token = SharedAccessSignature.CreateToken("sb://localhost:5672/token-streams", KeyName, Key, Now.AddHours(1));

        validator.Validate(token, Audience).IsValid.Should().BeTrue();
        validator.Validate(token, "sb://localhost:5672/token-streams-other").Failure.Should().Be(TokenValidationFailure.AudienceMismatch);
    }

    [Fact]
    public void A_token_signed_with_another_key_is_refused()
    {
        var token = SharedAccessSignature.CreateToken(Audience, KeyName, "not-the-key", Now.AddHours(1));

        validator.Validate(token, Audience).Failure.Should().Be(TokenValidationFailure.BadSignature);
    }

    [Fact]
    public void An_expired_token_is_refused()
    {
        var token = SharedAccessSignature.CreateToken(Audience, KeyName, Key, Now.AddSeconds(-1));

        validator.Validate(token, Audience).Failure.Should().Be(TokenValidationFailure.Expired);
    }

    [Fact]
    public void A_token_for_another_key_name_is_refused()
    {
        var token = SharedAccessSignature.CreateToken(Audience, "OtherKey", Key, Now.AddHours(1));

        validator.Validate(token, Audience).Failure.Should().Be(TokenValidationFailure.UnknownKeyName);
    }

    [Fact]
    public void A_tampered_expiry_breaks_the_signature()
    {
        var token = SharedAccessSignature.CreateToken(Audience, KeyName, Key, Now.AddHours(1));
        var tampered = token.Replace($"se={Now.AddHours(1).ToUnixTimeSeconds()}", $"se={Now.AddDays(30).ToUnixTimeSeconds()}");

        validator.Validate(tampered, Audience).Failure.Should().Be(TokenValidationFailure.BadSignature);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("Bearer abc")]
    [InlineData("SharedAccessSignature sr=x&sig=y")]
    [InlineData("SharedAccessSignature sr=x&sig=%%%&se=12&skn=RootManageSharedAccessKey")]
    public void Malformed_tokens_are_refused_without_throwing(string? token)
    {
        validator.Validate(token, Audience).IsValid.Should().BeFalse();
    }

    [Theory]
    [InlineData("", "any/entity", true)]
    [InlineData("token-streams", "token-streams", true)]
    [InlineData("token-streams", "TOKEN-STREAMS/Subscriptions/x", true)]
    [InlineData("token-streams", "token-streams-2", false)]
    [InlineData("token-streams/Subscriptions/a", "token-streams", false)]
    public void Scopes_cover_an_entity_and_the_entities_below_it(string scope, string entityPath, bool covered)
    {
        EntityAudience.Covers(scope, entityPath).Should().Be(covered);
    }

    [Theory]
    [InlineData("sb://othernamespace.servicebus.windows.net/token-streams", "sb://localhost:5672/token-streams")]
    [InlineData("sb://localhost:5672/token-streams", "sb://othernamespace.servicebus.windows.net/token-streams")]
    [InlineData("token-streams", "sb://localhost:5672/token-streams")]
    public void A_token_or_an_audience_for_another_host_is_refused(string resource, string audience)
    {
        var token = SharedAccessSignature.CreateToken(resource, KeyName, Key, Now.AddHours(1));

        validator.Validate(token, audience).Failure.Should().Be(TokenValidationFailure.OtherHost);
    }

    [Theory]
    [InlineData("sb://127.0.0.1:5672/token-streams")]
    [InlineData("amqp://localhost/token-streams")]
    [InlineData("amqps://LOCALHOST/token-streams")]
    [InlineData("sb://[::1]:5671/token-streams")]
    [InlineData("sb://sb.example.test/token-streams")]
    public void Tokens_for_the_brokers_own_names_are_valid(string resource)
    {
        var token = SharedAccessSignature.CreateToken(resource, KeyName, Key, Now.AddHours(1));

        validator.Validate(token, resource).IsValid.Should().BeTrue();
    }

    sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
