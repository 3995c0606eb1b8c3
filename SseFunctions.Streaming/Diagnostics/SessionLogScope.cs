using System.Collections;

namespace SseFunctions.Streaming.Diagnostics;

/// <summary>The <c>sessionId</c> of a session pump, as a logging scope: the pump serves every stream of the session,
/// so it logs under the session alone.</summary>
internal sealed class SessionLogScope(string sessionId) : IReadOnlyList<KeyValuePair<string, object?>>
{
    public int Count => 1;

    public KeyValuePair<string, object?> this[int index] => index == 0
        ? new("sessionId", sessionId)
        : throw new ArgumentOutOfRangeException(nameof(index));

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator()
    {
        yield return this[0];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => $"sessionId:{sessionId}";
}
