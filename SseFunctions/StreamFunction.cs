using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SseFunctions.Streaming.Http;

namespace SseFunctions;

/// <summary>
/// <c>GET /api/stream/{sessionId}/{chatMessageId}</c>: the engine's SSE stream, cancelled when the client leaves.
/// One function with one catch-all route takes every path under <c>/api/stream/</c>, so no host has to choose between
/// overlapping routes (hosts order them differently, some by function name): a path that is not exactly two ids gets
/// the 400 JSON the DevServer gives.
/// </summary>
public sealed class StreamFunction
{
    public const string Route = "api/stream/{*path}";

    [Function("stream")]
    public IActionResult Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "options", Route = Route)] HttpRequest request,
        string? path = null) =>
        StreamPath.TryParse(path, out var sessionId, out var chatMessageId)
            ? new SseStreamResult(sessionId, chatMessageId)
            : new BadRequestObjectResult(new { error = StreamIds.MalformedPathError });
}
