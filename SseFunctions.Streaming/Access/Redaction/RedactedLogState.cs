using System.Collections;

namespace SseFunctions.Streaming.Access.Redaction;

/// <summary>A log entry's message and structured values after redaction, in place of the original state.</summary>
internal sealed class RedactedLogState(string message, IReadOnlyList<KeyValuePair<string, object?>> values) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public static readonly Func<RedactedLogState, Exception?, string> Format = (state, _) => state.Message;

    public string Message => message;

    public int Count => values.Count;

    public KeyValuePair<string, object?> this[int index] => values[index];

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => values.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => Message;
}
