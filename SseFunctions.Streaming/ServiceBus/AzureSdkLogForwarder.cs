using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using Azure.Core.Diagnostics;
using Microsoft.Extensions.Logging;

namespace SseFunctions.Streaming.ServiceBus;

/// <summary>
/// Forwards the Azure SDK's EventSource events (Azure-Messaging-ServiceBus, Azure-Core, Azure-Identity) to
/// <see cref="ILogger"/> categories of the same names with dots, listening only at the lowest level the logging
/// configuration enables for <c>Azure.Messaging.ServiceBus</c>. Microsoft.Extensions.Azure's own forwarder listens at
/// Verbose whatever the configuration says, so the SDK would format and raise several events per message only for
/// them to be dropped; it is stopped when the client is created and this one takes its place.
/// </summary>
internal sealed class AzureSdkLogForwarder(ILoggerFactory loggerFactory) : IDisposable
{
    private readonly ConcurrentDictionary<string, ILogger> loggers = new(StringComparer.Ordinal);
    private readonly object gate = new();
    private AzureEventSourceListener? listener;

    public void Start()
    {
        lock (gate)
        {
            if (listener is null && LowestEnabledLevel(loggerFactory.CreateLogger("Azure.Messaging.ServiceBus")) is { } level)
            {
                listener = new AzureEventSourceListener(Forward, level);
            }
        }
    }

    public void Dispose()
    {
        lock (gate)
        {
            listener?.Dispose();
        }
    }

    private static EventLevel? LowestEnabledLevel(ILogger logger) =>
        logger.IsEnabled(LogLevel.Debug) ? EventLevel.Verbose
        : logger.IsEnabled(LogLevel.Information) ? EventLevel.Informational
        : logger.IsEnabled(LogLevel.Warning) ? EventLevel.Warning
        : logger.IsEnabled(LogLevel.Error) ? EventLevel.Error
        : logger.IsEnabled(LogLevel.Critical) ? EventLevel.Critical
        : null;

    private void Forward(EventWrittenEventArgs e, string message)
    {
        var logger = loggers.GetOrAdd(e.EventSource.Name, static (name, factory) => factory.CreateLogger(name.Replace('-', '.')), loggerFactory);
        var level = e.Level switch
        {
            EventLevel.Critical => LogLevel.Critical,
            EventLevel.Error => LogLevel.Error,
            EventLevel.Warning => LogLevel.Warning,
            EventLevel.Verbose => LogLevel.Debug,
            _ => LogLevel.Information,
        };
        logger.Log(level, new EventId(e.EventId, e.EventName), message, null, static (state, _) => state);
    }
}
