using System.Text.RegularExpressions;

namespace SseFunctions.Streaming.Access.Redaction;

/// <summary>
/// Replaces the value of every <c>access_token</c> query parameter in a text with <c>***</c>. The name is matched as
/// ASP.NET Core reads it, case-insensitively and percent-decoded, so that no spelling the service accepts escapes.
/// </summary>
public static partial class AccessTokenRedactor
{
    public const string Mask = "***";

    /// <summary>A cheap test that lets almost every log line through untouched.</summary>
    public static bool MayContainToken(string? text) =>
        text is not null && text.Contains('=') && (text.Contains("token", StringComparison.OrdinalIgnoreCase) || text.Contains('%'));

    public static string Redact(string text) => MayContainToken(text) ? Parameter().Replace(text, RedactMatch) : text;

    private static string RedactMatch(Match match)
    {
        var name = match.Groups["name"].Value;
        if (name.Contains('%'))
        {
            name = Uri.UnescapeDataString(name);
        }

        return string.Equals(name, StreamTokenReader.QueryParameter, StringComparison.OrdinalIgnoreCase)
            ? $"{match.Groups["name"].Value}={Mask}"
            : match.Value;
    }

    [GeneratedRegex(@"(?<=^|[?&;\s])(?<name>[^=&;#?\s]+)=(?<value>[^&;#\s""'<>]*)", RegexOptions.CultureInvariant)]
    private static partial Regex Parameter();
}
