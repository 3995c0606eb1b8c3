using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace SseFunctions.Tests.Support;

/// <summary>Every log line of a host, whatever its level or category: message, structured values, scopes and
/// exception, as any provider could write them.</summary>
public sealed class LogCapture : ILoggerProvider, ISupportExternalScope
{
    private readonly ConcurrentQueue<string> lines = new();
    private IExternalScopeProvider scopes = new LoggerExternalScopeProvider();

    public IReadOnlyCollection<string> Lines => lines;

    public string AllText => string.Join("\n", lines);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => scopes = scopeProvider;

    public void Dispose() { }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner.scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(", ", pairs.Select(p => $"{p.Key}={p.Value}")) : string.Empty;
            var scopeText = new List<string>();
            owner.scopes.ForEachScope((scope, list) => list.Add(scope is IEnumerable<KeyValuePair<string, object?>> items
                ? string.Join(", ", items.Select(p => $"{p.Key}={p.Value}"))
                : scope?.ToString() ?? string.Empty), scopeText);
            owner.lines.Enqueue($"{logLevel} {category}[{eventId.Id}]: {formatter(state, exception)} [{values}] {{{string.Join(" | ", scopeText)}}} {exception}");
        }
    }
}
