using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SseFunctions.Streaming.Access;

/// <summary>Says once, when the host starts, that streams are open to anyone because no signing key is set.</summary>
internal sealed partial class StreamAccessStartupLog(StreamTokenValidator validator, ILogger<StreamAccessStartupLog> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!validator.IsEnabled)
        {
            LogOpenStreams(logger);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(32, LogLevel.Warning, "SSE_STREAM_TOKEN_SIGNING_KEY is not set: anyone who knows a session id and a chat message id can read (and so consume) that stream. Set it to require signed stream tokens.")]
    private static partial void LogOpenStreams(ILogger logger);
}
