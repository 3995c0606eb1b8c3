using Microsoft.Extensions.Logging;

namespace SseFunctions.Tests.Support;

/// <summary>Console logs with timestamps when SSE_TEST_LOGS is set, for looking into a failing test.</summary>
public static class TestLogs
{
    public static bool Enabled { get; } = Environment.GetEnvironmentVariable("SSE_TEST_LOGS") is not null;

    public static ILoggerFactory? BrokerLogging() => Enabled
        ? LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Debug).AddSimpleConsole(console => console.TimestampFormat = "HH:mm:ss.fff "))
        : null;
}
