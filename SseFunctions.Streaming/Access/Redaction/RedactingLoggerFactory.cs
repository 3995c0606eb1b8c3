using Microsoft.Extensions.Logging;

namespace SseFunctions.Streaming.Access.Redaction;

/// <summary>
/// The host's logger factory with every logger wrapped in a <see cref="RedactingLogger"/>: ASP.NET Core's request
/// lines ("Request starting GET /api/stream/...?access_token=..."), the Functions worker's and any other library's
/// logs go through it, whatever provider writes them.
/// </summary>
public sealed class RedactingLoggerFactory(ILoggerFactory inner) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new RedactingLogger(inner.CreateLogger(categoryName));

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();
}
