using System.Globalization;
using Microsoft.Extensions.Logging;

namespace SseFunctions.Streaming.Access.Redaction;

/// <summary>Passes every entry to the real logger, with <c>access_token</c> values masked in its message, its
/// structured values and its exception. Entries without one (nearly all) pass unchanged.</summary>
internal sealed class RedactingLogger(ILogger inner) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

    public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!inner.IsEnabled(logLevel))
        {
            return;
        }

        var message = formatter(state, exception);
        var values = state as IReadOnlyList<KeyValuePair<string, object?>>;
        var exceptionText = exception?.ToString();
        if (!AccessTokenRedactor.MayContainToken(message) && !AccessTokenRedactor.MayContainToken(exceptionText) && !AnyValueMayContainToken(values))
        {
            inner.Log(logLevel, eventId, state, exception, formatter);
            return;
        }

        var redactedValues = values?.Select(pair => new KeyValuePair<string, object?>(pair.Key, Redact(pair.Value))).ToArray() ?? [];
        var redactedException = exception is null || !AccessTokenRedactor.MayContainToken(exceptionText)
            ? exception
            : new RedactedException(AccessTokenRedactor.Redact(exceptionText!), exception);
        inner.Log(logLevel, eventId, new RedactedLogState(AccessTokenRedactor.Redact(message), redactedValues), redactedException, RedactedLogState.Format);
    }

    private static bool AnyValueMayContainToken(IReadOnlyList<KeyValuePair<string, object?>>? values)
    {
        if (values is null)
        {
            return false;
        }

        foreach (var pair in values)
        {
            if (MayBeText(pair.Value) && AccessTokenRedactor.MayContainToken(Text(pair.Value)))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Strings and objects such as <see cref="Uri"/> or <c>QueryString</c> become their redacted text;
    /// numbers, dates and the like stay as they are.</summary>
    private static object? Redact(object? value) => MayBeText(value) ? AccessTokenRedactor.Redact(Text(value)!) : value;

    private static bool MayBeText(object? value) => value is string || value is not (null or IConvertible);

    private static string? Text(object? value) => Convert.ToString(value, CultureInfo.InvariantCulture);
}
