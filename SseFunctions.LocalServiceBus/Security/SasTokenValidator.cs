using System.Globalization;
using System.Net;
using System.Security.Cryptography;

namespace SseFunctions.LocalServiceBus.Security;

/// <summary>Validates SAS tokens against the broker's single shared access key and its host names.</summary>
public sealed class SasTokenValidator(string keyName, string key, BrokerHostNames hostNames, TimeProvider timeProvider)
{
    public BrokerHostNames HostNames => hostNames;

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

        if (!hostNames.Covers(sas.Resource) || (audience is not null && !hostNames.Covers(audience)))
        {
            return new(TokenValidationFailure.OtherHost, "", default);
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
