using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace SseFunctions.LocalServiceBus.Security;

public enum TokenValidationFailure
{
    None,
    Malformed,
    UnknownKeyName,
    BadSignature,
    Expired,
    AudienceMismatch,
}

/// <summary>The outcome of validating a put-token request; <see cref="Scope"/> is the entity path the token grants.</summary>
public readonly record struct TokenValidationResult(TokenValidationFailure Failure, string Scope, DateTimeOffset ExpiresAt)
{
    public bool IsValid => Failure == TokenValidationFailure.None;
}

/// <summary>Validates SAS tokens against the broker's single shared access key.</summary>
public sealed class SasTokenValidator(string keyName, string key, TimeProvider timeProvider)
{
    /// <param name="audience">The put-token <c>name</c>: the URI of the entity the client wants to use.</param>
    public TokenValidationResult Validate(string? token, string? audience)
    {
        if (!SharedAccessSignature.TryParse(token, out var sas) || sas is null)
        {
            return new(TokenValidationFailure.Malformed, "", default);
        }

        if (!string.Equals(sas.KeyName, keyName, StringComparison.Ordinal))
        {
            return new(TokenValidationFailure.UnknownKeyName, "", default);
        }

        var expected = Convert.FromBase64String(SharedAccessSignature.ComputeSignature(
            WebUtility.UrlEncode(sas.Resource), sas.ExpiresAtUnixSeconds.ToString(CultureInfo.InvariantCulture), key));
        var expectedWithRawResource = Convert.FromBase64String(SharedAccessSignature.ComputeSignature(
            sas.EncodedResource, sas.ExpiresAtUnixSeconds.ToString(CultureInfo.InvariantCulture), key));
        if (!TryDecodeBase64(sas.Signature, out var actual) ||
            !(CryptographicOperations.FixedTimeEquals(actual, expected) || CryptographicOperations.FixedTimeEquals(actual, expectedWithRawResource)))
        {
            return new(TokenValidationFailure.BadSignature, "", default);
        }

        if (sas.ExpiresAt <= timeProvider.GetUtcNow())
        {
            return new(TokenValidationFailure.Expired, "", default);
        }

        var scope = EntityAudience.ToEntityPath(sas.Resource);
        if (audience is not null && !EntityAudience.Covers(scope, EntityAudience.ToEntityPath(audience)))
        {
            return new(TokenValidationFailure.AudienceMismatch, "", default);
        }

        return new(TokenValidationFailure.None, scope, sas.ExpiresAt);
    }

    static bool TryDecodeBase64(string text, out byte[] bytes)
    {
        var buffer = new byte[(text.Length * 3 / 4) + 3];
        if (Convert.TryFromBase64String(text, buffer, out var written))
        {
            bytes = buffer[..written];
            return true;
        }

        bytes = [];
        return false;
    }
}

/// <summary>Turns token resources and audiences (<c>sb://host:port/entity</c>) into comparable entity paths.</summary>
public static class EntityAudience
{
    public static string ToEntityPath(string audience)
    {
        var path = audience.Trim();
        var scheme = path.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            var slash = path.IndexOf('/', scheme + 3);
            path = slash < 0 ? "" : path[(slash + 1)..];
        }

        return path.Trim('/');
    }

    /// <summary>True when a token for <paramref name="scope"/> (a namespace or an entity) may be used for <paramref name="entityPath"/>.</summary>
    public static bool Covers(string scope, string entityPath)
    {
        if (scope.Length == 0)
        {
            return true;
        }

        entityPath = entityPath.Trim('/');
        return entityPath.StartsWith(scope, StringComparison.OrdinalIgnoreCase) &&
            (entityPath.Length == scope.Length || entityPath[scope.Length] == '/');
    }
}
