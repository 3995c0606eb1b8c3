using System.Collections;

namespace SseFunctions.Streaming.Diagnostics;

/// <summary>The <c>sessionId</c> and <c>chatMessageId</c> of a stream, as a logging scope: two fields instead of a
/// dictionary per request.</summary>
internal sealed class StreamLogScope(string sessionId, string chatMessageId) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public int Count => 2;

    public KeyValuePair<string, object?> this[int index] => index switch
    {
        0 => new("sessionId", sessionId),
        1 => new("chatMessageId", chatMessageId),
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        yield return this[0];
        yield return this[1];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"sessionId:{sessionId} chatMessageId:{chatMessageId}";
}
