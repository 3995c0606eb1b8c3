using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SseFunctions.Streaming.Http;

namespace SseFunctions;

/// <summary><c>GET /api/stream/{sessionId}/{chatMessageId}</c>: the engine's SSE stream, cancelled when the client leaves.</summary>
public sealed class StreamFunction
{
    [Function("stream")]
    public IActionResult Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "options", Route = "api/stream/{sessionId}/{chatMessageId}")] HttpRequest request,
        string sessionId,
        string chatMessageId) => new SseStreamResult(sessionId, chatMessageId);

    /// <summary>Any other path under <c>/api/stream/</c> (a missing id, an id with a slash): 400 JSON, as on the DevServer.</summary>
    [Function("stream-bad-path")]
    public IActionResult BadPath(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "options", Route = "api/stream/{*rest}")] HttpRequest request) =>
        new BadRequestObjectResult(new { error = StreamIds.MalformedPathError });
}
