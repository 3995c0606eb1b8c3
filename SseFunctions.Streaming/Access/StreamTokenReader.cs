using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace SseFunctions.Streaming.Access;

/// <summary>Where a stream token travels: the <c>access_token</c> query parameter (EventSource can send no header) or
/// <c>Authorization: Bearer</c> (RFC 6750 §2.1 and §2.3).</summary>
public static class StreamTokenReader
{
    public const string QueryParameter = "access_token";
    private const string BearerPrefix = "Bearer ";

    /// <summary>The token of <paramref name="request"/>, null when there is none; <paramref name="ambiguous"/> when it
    /// carries more than one (RFC 6750 allows one method per request).</summary>
    public static string? Read(HttpRequest request, out bool ambiguous)
    {
        var query = request.Query[QueryParameter];
        var authorization = request.Headers[HeaderNames.Authorization];
        string? header = null;
        if (authorization.Count == 1 && authorization[0] is { } value && value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            header = value[BearerPrefix.Length..].Trim();
        }

        ambiguous = query.Count > 1 || authorization.Count > 1 || (query.Count == 1 && header is not null);
        return ambiguous ? null : header ?? (query.Count == 1 ? query[0] : null);
    }
}
