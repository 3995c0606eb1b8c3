using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using SseFunctions.Streaming.Configuration;

namespace SseFunctions.Streaming.Http;

/// <summary>
/// <c>CORS_ORIGINS</c> applied by the handlers themselves, so that every host (Kestrel, Functions) answers alike.
/// Unset, the service leaves CORS alone: same-origin use, or the platform's CORS (Functions' <c>Host.CORS</c> or the
/// app's CORS settings on Azure) in front of it.
/// </summary>
public sealed class CorsPolicy(IOptions<SseStreamingOptions> options)
{
    /// <summary>The request headers a stream uses: a reconnect's Last-Event-ID, a stream token, and Cache-Control, which
    /// some EventSource implementations send. Nothing else is allowed cross-origin.</summary>
    public const string AllowedRequestHeaders = "Last-Event-ID, Authorization, Cache-Control";

    private readonly bool enabled = options.Value.CorsOrigins.Count > 0;
    private readonly bool allowAny = options.Value.CorsOrigins.Contains("*");
    private readonly HashSet<string> origins = new(options.Value.CorsOrigins, StringComparer.OrdinalIgnoreCase);

    /// <summary>Adds the CORS response headers; false when the request comes from an origin that is not allowed
    /// (requests without an Origin header, such as curl or same-origin ones, are always allowed).</summary>
    public bool Apply(HttpContext context)
    {
        var origin = context.Request.Headers.Origin.ToString();
        if (!enabled || origin.Length == 0)
        {
            return true;
        }

        var headers = context.Response.Headers;
        headers.Append(HeaderNames.Vary, HeaderNames.Origin);
        if (!allowAny && !origins.Contains(origin.TrimEnd('/')))
        {
            return false;
        }

        headers.AccessControlAllowOrigin = allowAny ? "*" : origin;
        return true;
    }

    /// <summary>Answers a preflight <c>OPTIONS</c> request: 204, with the allow headers when the origin is allowed.</summary>
    public void AnswerPreflight(HttpContext context)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status204NoContent;
        if (enabled && Apply(context) && context.Request.Headers.Origin.Count > 0)
        {
            response.Headers.AccessControlAllowMethods = "GET, OPTIONS";
            response.Headers.AccessControlAllowHeaders = AllowedRequestHeaders;
            response.Headers.AccessControlMaxAge = "600";
        }
    }
}
