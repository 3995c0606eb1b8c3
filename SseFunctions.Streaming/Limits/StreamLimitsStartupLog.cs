using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SseFunctions.Streaming.Limits;

/// <summary>Says once, when the host starts, what the per-instance limits are (the stream limit's default depends on
/// the memory the process sees).</summary>
internal sealed partial class StreamLimitsStartupLog(StreamLimiter limiter, ILogger<StreamLimitsStartupLog> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogLimits(logger, limiter.MaxStreams, limiter.MaxSessions);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(33, LogLevel.Information, "Per-instance limits: {MaxStreams} streams (SSE_MAX_STREAMS), {MaxSessions} Service Bus sessions (SSE_MAX_SESSIONS)")]
    private static partial void LogLimits(ILogger logger, int maxStreams, int maxSessions);
}
