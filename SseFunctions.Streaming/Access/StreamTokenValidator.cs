using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SseFunctions.Streaming.Configuration;

namespace SseFunctions.Streaming.Access;

/// <summary>
/// Checks a stream access token: a JWT signed with <c>SSE_STREAM_TOKEN_SIGNING_KEY</c> (or, during a rotation,
/// <c>SSE_STREAM_TOKEN_SIGNING_KEY_PREVIOUS</c>) with HS256, whose <c>sessionId</c> and <c>chatMessageId</c> claims are
/// the stream's ids; <c>exp</c> required, <c>nbf</c> honoured, both with <see cref="ClockSkew"/>; <c>iss</c> and
/// <c>aud</c> checked when configured. A token stays valid until it expires, so an EventSource reconnect can reuse it.
/// </summary>
public sealed class StreamTokenValidator
{
    public const string SessionIdClaim = "sessionId";
    public const string ChatMessageIdClaim = "chatMessageId";

    /// <summary>Clocks of the chat backend and of this service may disagree by this much.</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromSeconds(30);

    /// <summary>A stream token carries two ids and a few times: anything much bigger is not one.</summary>
    public const int MaximumTokenBytes = 4 * 1024;

    private readonly JsonWebTokenHandler handler = new() { MaximumTokenSizeInBytes = MaximumTokenBytes };
    private readonly TokenValidationParameters? parameters;

    /// <remarks>Lifetimes are checked against the system clock: IdentityModel 8 does not expose a clock to replace.</remarks>
    public StreamTokenValidator(IOptions<SseStreamingOptions> options)
    {
        var settings = options.Value;
        if (settings.StreamTokenSigningKeys.Count == 0)
        {
            return;
        }

        parameters = new TokenValidationParameters
        {
            IssuerSigningKeys = settings.StreamTokenSigningKeys.Select(key => new SymmetricSecurityKey(key)).ToArray(),
            TryAllIssuerSigningKeys = true,
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = ClockSkew,
            ValidateIssuer = settings.StreamTokenIssuer is not null,
            ValidIssuer = settings.StreamTokenIssuer,
            ValidateAudience = settings.StreamTokenAudience is not null,
            ValidAudience = settings.StreamTokenAudience,
            ValidateIssuerSigningKey = true,
        };
    }

    /// <summary>False when no signing key is configured: then every stream is open, as before access tokens.</summary>
    public bool IsEnabled => parameters is not null;

    /// <summary>Validates <paramref name="token"/> for the stream <paramref name="sessionId"/>/<paramref name="chatMessageId"/>.</summary>
    public async Task<StreamTokenOutcome> ValidateAsync(string? token, string sessionId, string chatMessageId)
    {
        if (parameters is null)
        {
            return StreamTokenOutcome.Valid;
        }

        if (string.IsNullOrEmpty(token))
        {
            return StreamTokenOutcome.Missing;
        }

        if (token.Length > MaximumTokenBytes)
        {
            return StreamTokenOutcome.Malformed;
        }

        var result = await handler.ValidateTokenAsync(token, parameters).ConfigureAwait(false);
        if (!result.IsValid)
        {
            return Classify(result.Exception);
        }

        var jwt = (JsonWebToken)result.SecurityToken;
        return jwt.TryGetPayloadValue<string>(SessionIdClaim, out var tokenSession)
               && jwt.TryGetPayloadValue<string>(ChatMessageIdClaim, out var tokenMessage)
               && string.Equals(tokenSession, sessionId, StringComparison.Ordinal)
               && string.Equals(tokenMessage, chatMessageId, StringComparison.Ordinal)
            ? StreamTokenOutcome.Valid
            : StreamTokenOutcome.OtherStream;
    }

    private static StreamTokenOutcome Classify(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => StreamTokenOutcome.Expired,
        SecurityTokenNotYetValidException => StreamTokenOutcome.NotYetValid,
        SecurityTokenNoExpirationException => StreamTokenOutcome.NoExpiration,
        SecurityTokenInvalidIssuerException => StreamTokenOutcome.InvalidIssuer,
        SecurityTokenInvalidAudienceException => StreamTokenOutcome.InvalidAudience,
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException
            or SecurityTokenInvalidAlgorithmException => StreamTokenOutcome.InvalidSignature,
        SecurityTokenMalformedException or ArgumentException => StreamTokenOutcome.Malformed,
        _ => StreamTokenOutcome.Invalid,
    };
}
