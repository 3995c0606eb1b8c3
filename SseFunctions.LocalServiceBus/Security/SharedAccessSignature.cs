using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace SseFunctions.LocalServiceBus.Security;

/// <summary>A Service Bus SAS token: <c>SharedAccessSignature sr=..&amp;sig=..&amp;se=..&amp;skn=..</c>.</summary>
public sealed record SharedAccessSignature(string Resource, string EncodedResource, string Signature, long ExpiresAtUnixSeconds, string KeyName)
{
    const string Prefix = "SharedAccessSignature ";

    public DateTimeOffset ExpiresAt => DateTimeOffset.FromUnixTimeSeconds(ExpiresAtUnixSeconds);

    public static bool TryParse(string? token, out SharedAccessSignature? signature)
    {
        signature = null;
        if (token is null || !token.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        string? resource = null, encodedResource = null, sig = null, expiry = null, keyName = null;
        foreach (var pair in token[Prefix.Length..].Split('&', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var separator = pair.IndexOf('=');
            if (separator <= 0)
            {
                return false;
            }

            var value = WebUtility.UrlDecode(pair[(separator + 1)..]);
            switch (pair[..separator].ToLowerInvariant())
            {
                case "sr": resource = value; encodedResource = pair[(separator + 1)..]; break;
                case "sig": sig = value; break;
                case "se": expiry = value; break;
                case "skn": keyName = value; break;
            }
        }

        if (resource is null || encodedResource is null || sig is null || keyName is null ||
            !long.TryParse(expiry, NumberStyles.None, CultureInfo.InvariantCulture, out var expiresAt))
        {
            return false;
        }

        signature = new SharedAccessSignature(resource, encodedResource, sig, expiresAt, keyName);
        return true;
    }

    /// <summary>Creates a token the way the SDKs do (for tests and tools).</summary>
    public static string CreateToken(string resource, string keyName, string key, DateTimeOffset expiresAt)
    {
        var expiry = expiresAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var encodedResource = WebUtility.UrlEncode(resource);
        var signature = ComputeSignature(encodedResource, expiry, key);
        return $"{Prefix}sr={encodedResource}&sig={WebUtility.UrlEncode(signature)}&se={expiry}&skn={WebUtility.UrlEncode(keyName)}";
    }

    /// <summary>HMAC-SHA256 over <c>urlencode(resource) + "\n" + expiry</c>, keyed with the key's UTF-8 bytes, base64.</summary>
    public static string ComputeSignature(string encodedResource, string expiry, string key)
    {
        var data = Encoding.UTF8.GetBytes(encodedResource + "\n" + expiry);
        return Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), data));
    }
}
