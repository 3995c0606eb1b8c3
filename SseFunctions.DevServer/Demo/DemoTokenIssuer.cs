using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using SseFunctions.Streaming.Access;
using SseFunctions.Streaming.Configuration;

namespace SseFunctions.DevServer;

/// <summary>
/// Plays the chat backend's part in stream access for the demo page: signs a stream token, with the current
/// <c>SSE_STREAM_TOKEN_SIGNING_KEY</c>, for an answer the demo producer started, valid as long as a stream may last.
/// </summary>
public sealed class DemoTokenIssuer(IOptions<SseStreamingOptions> options, TimeProvider timeProvider)
{
    private readonly JsonWebTokenHandler handler = new();
    private readonly SseStreamingOptions settings = options.Value;

    public bool IsEnabled => settings.StreamTokenSigningKeys.Count > 0;

    public DemoStreamToken Issue(string sessionId, string chatMessageId)
    {
        var now = timeProvider.GetUtcNow().UtcDateTime;
        var expires = now + settings.MaxStreamDuration;
        var token = handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = new Dictionary<string, object>
            {
                [StreamTokenValidator.SessionIdClaim] = sessionId,
                [StreamTokenValidator.ChatMessageIdClaim] = chatMessageId,
            },
            IssuedAt = now,
            NotBefore = now,
            Expires = expires,
            Issuer = settings.StreamTokenIssuer,
            Audience = settings.StreamTokenAudience,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(settings.StreamTokenSigningKeys[0]), SecurityAlgorithms.HmacSha256),
        });
        return new DemoStreamToken(token, new DateTimeOffset(expires, TimeSpan.Zero));
    }
}

/// <summary>What the demo page appends to its EventSource URL as <c>?access_token=</c>.</summary>
public sealed record DemoStreamToken(string AccessToken, DateTimeOffset ExpiresAt);

/// <summary>What the demo page posts to get a stream token: the ids of an answer the demo producer started.</summary>
public sealed record DemoTokenRequest(string SessionId, string ChatMessageId);
