using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace SseFunctions.Tests.Support;

/// <summary>Mints stream tokens as a chat backend would, and wrong ones as an attacker or a buggy backend would.</summary>
public static class StreamTokens
{
    public static byte[] NewKey() => RandomNumberGenerator.GetBytes(32);

    public static string Setting(byte[] key) => Convert.ToBase64String(key);

    public static string Mint(
        byte[] key,
        string? sessionId,
        string? chatMessageId,
        TimeSpan? expiresIn = null,
        TimeSpan? notBeforeIn = null,
        string algorithm = SecurityAlgorithms.HmacSha256,
        string? issuer = null,
        string? audience = null,
        bool withExpiry = true,
        string? keyId = null)
    {
        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object>();
        if (sessionId is not null)
        {
            claims["sessionId"] = sessionId;
        }

        if (chatMessageId is not null)
        {
            claims["chatMessageId"] = chatMessageId;
        }

        var handler = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false };
        return handler.CreateToken(new SecurityTokenDescriptor
        {
            Claims = claims,
            IssuedAt = now,
            NotBefore = notBeforeIn is { } nbf ? now + nbf : null,
            Expires = withExpiry ? now + (expiresIn ?? TimeSpan.FromMinutes(5)) : null,
            Issuer = issuer,
            Audience = audience,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(key) { KeyId = keyId }, algorithm),
        });
    }

    /// <summary>A token with <c>"alg": "none"</c>: claims and no signature.</summary>
    public static string Unsigned(string sessionId, string chatMessageId) =>
        new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(
            $$"""{"sessionId":"{{sessionId}}","chatMessageId":"{{chatMessageId}}","exp":{{DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds()}}}""");
}
