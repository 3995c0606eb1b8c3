using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace SseFunctions.Streaming.ServiceBus.Amqp;

/// <summary>Builds and reads Service Bus SAS tokens:
/// <c>SharedAccessSignature sr=&lt;url-encoded resource&gt;&amp;sig=&lt;url-encoded base64 HMAC-SHA256&gt;&amp;se=&lt;unix expiry&gt;&amp;skn=&lt;key name&gt;</c>.
/// The HMAC key is the UTF-8 bytes of the key string and the signed text is <c>&lt;url-encoded resource&gt;\n&lt;expiry&gt;</c>, as in the official SDKs.</summary>
internal static class SharedAccessSignature
{
    public const string Prefix = "SharedAccessSignature ";

    public static string Create(string keyName, string key, string resource, DateTimeOffset expiresOn)
    {
        var encodedResource = WebUtility.UrlEncode(resource);
        var expiry = expiresOn.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var toSign = Encoding.UTF8.GetBytes(encodedResource + "\n" + expiry);
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), toSign));
        return Prefix + "sr=" + encodedResource
            + "&sig=" + WebUtility.UrlEncode(signature)
            + "&se=" + expiry
            + "&skn=" + WebUtility.UrlEncode(keyName);
    }

    /// <summary>The expiry (<c>se</c>) of a SAS token; null when it has none or it is unreadable.</summary>
    public static DateTimeOffset? GetExpiry(string token)
    {
        var fields = token.StartsWith(Prefix, StringComparison.Ordinal) ? token[Prefix.Length..] : token;
        foreach (var part in fields.Split('&'))
        {
            if (part.StartsWith("se=", StringComparison.Ordinal)
                && long.TryParse(WebUtility.UrlDecode(part[3..]), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds))
            {
                return DateTimeOffset.FromUnixTimeSeconds(seconds);
            }
        }

        return null;
    }

    /// <summary>The resource (<c>sr</c>, decoded) of a SAS token; null when it has none.</summary>
    public static string? GetResource(string token)
    {
        var fields = token.StartsWith(Prefix, StringComparison.Ordinal) ? token[Prefix.Length..] : token;
        foreach (var part in fields.Split('&'))
        {
            if (part.StartsWith("sr=", StringComparison.Ordinal))
            {
                return WebUtility.UrlDecode(part[3..]);
            }
        }

        return null;
    }
}
