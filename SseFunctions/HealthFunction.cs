using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using SseFunctions.Streaming.Http;

namespace SseFunctions;

/// <summary><c>GET /health</c>: anonymous, touches nothing.</summary>
public sealed class HealthFunction
{
    [Function("health")]
    public IActionResult Run(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", "options", Route = "health")] HttpRequest request) => new HealthResult();
}
