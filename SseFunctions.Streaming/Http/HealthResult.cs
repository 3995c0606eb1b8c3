using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace SseFunctions.Streaming.Http;

/// <summary><see cref="HealthHandler"/> as an <see cref="IActionResult"/> and an <see cref="IResult"/>.</summary>
public sealed class HealthResult : IActionResult, IResult
{
    public Task ExecuteResultAsync(ActionContext context) => ExecuteAsync(context.HttpContext);

    public Task ExecuteAsync(HttpContext httpContext) =>
        httpContext.RequestServices.GetRequiredService<HealthHandler>().HandleAsync(httpContext);
}
