using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using SseFunctions.LocalFunctionsHost.Rpc.Messages;

namespace SseFunctions.LocalFunctionsHost.Rpc;

/// <summary>Writes the worker's <see cref="RpcLog"/> messages to this host's loggers, under the worker's own categories.</summary>
public sealed class WorkerLogForwarder(ILoggerFactory loggerFactory)
{
    private const string DefaultCategory = "Worker";

    private readonly ConcurrentDictionary<string, ILogger> loggers = new();

    public void Forward(RpcLog log)
    {
        var logger = loggers.GetOrAdd(string.IsNullOrEmpty(log.Category) ? DefaultCategory : log.Category, loggerFactory.CreateLogger);
        var level = ToLogLevel(log.Level);
        if (!logger.IsEnabled(level))
        {
            return;
        }

        using var scope = string.IsNullOrEmpty(log.InvocationId)
            ? null
            : logger.BeginScope(new KeyValuePair<string, object>[] { new("InvocationId", log.InvocationId) });
        if (log.Exception is { } exception)
        {
            logger.Log(level, "{Message} {ExceptionType}: {ExceptionMessage}", log.Message, exception.Type, exception.Message);
        }
        else
        {
            logger.Log(level, "{Message}", log.Message);
        }
    }

    public static LogLevel ToLogLevel(RpcLog.Types.Level level) => level switch
    {
        RpcLog.Types.Level.Trace => LogLevel.Trace,
        RpcLog.Types.Level.Debug => LogLevel.Debug,
        RpcLog.Types.Level.Information => LogLevel.Information,
        RpcLog.Types.Level.Warning => LogLevel.Warning,
        RpcLog.Types.Level.Error => LogLevel.Error,
        RpcLog.Types.Level.Critical => LogLevel.Critical,
        _ => LogLevel.None,
    };
}
