using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace SseFunctions.Streaming.Http;

/// <summary>The stream as a result: an <see cref="IActionResult"/> for Azure Functions' ASP.NET Core integration and
/// an <see cref="IResult"/> for minimal APIs. Both run <see cref="SseStreamHandler"/>.</summary>
public sealed class SseStreamResult(string sessionId, string chatMessageId) : IActionResult, IResult
{
    public Task ExecuteResultAsync(ActionContext context) => ExecuteAsync(context.HttpContext);

    public Task ExecuteAsync(HttpContext httpContext) =>
        httpContext.RequestServices.GetRequiredService<SseStreamHandler>().HandleAsync(httpContext, sessionId, chatMessageId);
}
