using Microsoft.AspNetCore.Http;

namespace SseFunctions.Streaming.Http;

/// <summary><c>GET /health</c>: the seed's exact body. Touches neither Service Bus nor configuration.</summary>
public sealed class HealthHandler(CorsPolicy cors)
{
    private static readonly byte[] Body = """{"status":"healthy","service":"sse-service"}"""u8.ToArray();

    public async Task HandleAsync(HttpContext context)
    {
        if (HttpMethods.IsOptions(context.Request.Method))
        {
            cors.AnswerPreflight(context);
            return;
        }

        cors.Apply(context);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.Body.WriteAsync(Body, context.RequestAborted).ConfigureAwait(false);
    }
}
