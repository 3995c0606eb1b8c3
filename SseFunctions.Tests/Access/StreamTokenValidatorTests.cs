using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using SseFunctions.Streaming.Access;
using SseFunctions.Streaming.Configuration;
using SseFunctions.Tests.Support;

namespace SseFunctions.Tests.Access;

public class StreamTokenValidatorTests
{
    private const string Session = "0f8fad5b-d9cb-469f-a165-70867728950e";
    private const string Message = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
    private static readonly byte[] Key = StreamTokens.NewKey();
    private static readonly byte[] PreviousKey = StreamTokens.NewKey();

    [Fact]
    public async Task A_token_for_the_streams_ids_signed_with_the_key_is_valid()
    {
        (await Validate(StreamTokens.Mint(Key, Session, Message))).Should().Be(StreamTokenOutcome.Valid);
    }

    [Theory]
    [InlineData(Session, "another-message")]
    [InlineData("another-session", Message)]
    [InlineData(Session, "7C9E6679-7425-40DE-944B-E07FC1F90AE7")]
    [InlineData(null, Message)]
    [InlineData(Session, null)]
    public async Task A_token_for_other_ids_or_without_them_is_for_another_stream(string? sessionId, string? chatMessageId)
    {
        (await Validate(StreamTokens.Mint(Key, sessionId, chatMessageId))).Should().Be(StreamTokenOutcome.OtherStream);
    }

    [Fact]
    public async Task Ids_signed_as_numbers_match_their_decimal_text()
    {
        var token = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(
            $$"""{"sessionId":12,"chatMessageId":34,"exp":{{DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds()}}}""",
            new SigningCredentials(new SymmetricSecurityKey(Key), SecurityAlgorithms.HmacSha256));

        (await Validator().ValidateAsync(token, "12", "34")).Should().Be(StreamTokenOutcome.Valid);
        (await Validator().ValidateAsync(token, "12", "35")).Should().Be(StreamTokenOutcome.OtherStream);
    }

    [Theory]
    [InlineData(-60, StreamTokenOutcome.Expired)]
    [InlineData(-10, StreamTokenOutcome.Valid)]
    public async Task Expiry_allows_thirty_seconds_of_clock_skew(int expiresInSeconds, StreamTokenOutcome expected)
    {
        (await Validate(StreamTokens.Mint(Key, Session, Message, expiresIn: TimeSpan.FromSeconds(expiresInSeconds)))).Should().Be(expected);
    }

    [Theory]
    [InlineData(60, StreamTokenOutcome.NotYetValid)]
    [InlineData(10, StreamTokenOutcome.Valid)]
    public async Task Not_before_is_honoured_with_thirty_seconds_of_clock_skew(int notBeforeInSeconds, StreamTokenOutcome expected)
    {
        var token = StreamTokens.Mint(Key, Session, Message, notBeforeIn: TimeSpan.FromSeconds(notBeforeInSeconds));

        (await Validate(token)).Should().Be(expected);
    }

    [Fact]
    public async Task A_token_without_exp_is_refused()
    {
        (await Validate(StreamTokens.Mint(Key, Session, Message, withExpiry: false))).Should().Be(StreamTokenOutcome.NoExpiration);
    }

    [Fact]
    public async Task A_token_signed_with_another_key_is_refused()
    {
        (await Validate(StreamTokens.Mint(StreamTokens.NewKey(), Session, Message))).Should().Be(StreamTokenOutcome.InvalidSignature);
    }

    [Theory]
    [InlineData(SecurityAlgorithms.HmacSha384)]
    [InlineData(SecurityAlgorithms.HmacSha512)]
    public async Task Only_HS256_is_accepted_even_with_the_right_key(string algorithm)
    {
        var longKey = new byte[64];
        Key.CopyTo(longKey, 0);
        var validator = Validator(new SseStreamingOptions { StreamTokenSigningKeys = [longKey] });

        (await validator.ValidateAsync(StreamTokens.Mint(longKey, Session, Message), Session, Message)).Should().Be(StreamTokenOutcome.Valid);
        (await validator.ValidateAsync(StreamTokens.Mint(longKey, Session, Message, algorithm: algorithm), Session, Message)).Should().Be(StreamTokenOutcome.InvalidSignature);
    }

    [Fact]
    public async Task An_unsigned_token_is_refused()
    {
        (await Validate(StreamTokens.Unsigned(Session, Message))).Should().NotBe(StreamTokenOutcome.Valid);
    }

    [Fact]
    public async Task A_key_id_the_service_does_not_know_does_not_matter()
    {
        (await Validate(StreamTokens.Mint(Key, Session, Message, keyId: "backend-2026"))).Should().Be(StreamTokenOutcome.Valid);
    }

    [Fact]
    public async Task During_a_rotation_both_keys_are_accepted_and_no_other()
    {
        var validator = Validator(new SseStreamingOptions { StreamTokenSigningKeys = [Key, PreviousKey] });

        (await validator.ValidateAsync(StreamTokens.Mint(Key, Session, Message), Session, Message)).Should().Be(StreamTokenOutcome.Valid);
        (await validator.ValidateAsync(StreamTokens.Mint(PreviousKey, Session, Message), Session, Message)).Should().Be(StreamTokenOutcome.Valid);
        (await validator.ValidateAsync(StreamTokens.Mint(StreamTokens.NewKey(), Session, Message), Session, Message)).Should().Be(StreamTokenOutcome.InvalidSignature);
        (await Validate(StreamTokens.Mint(PreviousKey, Session, Message))).Should().Be(StreamTokenOutcome.InvalidSignature, "after the rotation the old key is gone");
    }

    [Theory]
    [InlineData("chat-backend", StreamTokenOutcome.Valid)]
    [InlineData("someone-else", StreamTokenOutcome.InvalidIssuer)]
    [InlineData(null, StreamTokenOutcome.InvalidIssuer)]
    public async Task A_configured_issuer_is_required(string? issuer, StreamTokenOutcome expected)
    {
        var validator = Validator(new SseStreamingOptions { StreamTokenSigningKeys = [Key], StreamTokenIssuer = "chat-backend" });

        (await validator.ValidateAsync(StreamTokens.Mint(Key, Session, Message, issuer: issuer), Session, Message)).Should().Be(expected);
    }

    [Theory]
    [InlineData("sse-service", StreamTokenOutcome.Valid)]
    [InlineData("other-service", StreamTokenOutcome.InvalidAudience)]
    [InlineData(null, StreamTokenOutcome.InvalidAudience)]
    public async Task A_configured_audience_is_required(string? audience, StreamTokenOutcome expected)
    {
        var validator = Validator(new SseStreamingOptions { StreamTokenSigningKeys = [Key], StreamTokenAudience = "sse-service" });

        (await validator.ValidateAsync(StreamTokens.Mint(Key, Session, Message, audience: audience), Session, Message)).Should().Be(expected);
    }

    [Fact]
    public async Task Issuer_and_audience_are_not_checked_when_not_configured()
    {
        (await Validate(StreamTokens.Mint(Key, Session, Message, issuer: "anyone", audience: "anything"))).Should().Be(StreamTokenOutcome.Valid);
    }

    [Theory]
    [InlineData("not-a-jwt", StreamTokenOutcome.Malformed)]
    [InlineData("a.b.c", StreamTokenOutcome.Malformed)]
    [InlineData("eyJhbGciOiJIUzI1NiJ9.e30.", StreamTokenOutcome.InvalidSignature)]
    public async Task Garbage_is_refused(string token, StreamTokenOutcome expected)
    {
        (await Validate(token)).Should().Be(expected);
    }

    [Fact]
    public async Task An_oversized_token_is_refused_before_it_is_parsed()
    {
        (await Validate(new string('a', StreamTokenValidator.MaximumTokenBytes + 1))).Should().Be(StreamTokenOutcome.Malformed);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public async Task No_token_is_missing(string? token)
    {
        (await Validate(token)).Should().Be(StreamTokenOutcome.Missing);
    }

    [Fact]
    public async Task Without_a_signing_key_every_stream_is_open()
    {
        var validator = Validator(new SseStreamingOptions());

        validator.IsEnabled.Should().BeFalse();
        (await validator.ValidateAsync(null, Session, Message)).Should().Be(StreamTokenOutcome.Valid);
    }

    private static Task<StreamTokenOutcome> Validate(string? token) => Validator().ValidateAsync(token, Session, Message);

    private static StreamTokenValidator Validator(SseStreamingOptions? options = null) =>
        new(Options.Create(options ?? new SseStreamingOptions { StreamTokenSigningKeys = [Key] }));
}
