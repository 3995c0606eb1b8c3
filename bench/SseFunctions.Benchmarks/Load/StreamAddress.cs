namespace SseFunctions.Benchmarks.Load;

/// <summary>One chat message of one chat session: the path of its SSE stream and the ids in its token messages.</summary>
public sealed record StreamAddress(string SessionId, string ChatMessageId)
{
    public string Path => $"/api/stream/{SessionId}/{ChatMessageId}";

    /// <summary><paramref name="count"/> streams, each on its own session: <c>{prefix}-{runId}-{i}</c>.</summary>
    public static IReadOnlyList<StreamAddress> Create(string prefix, string runId, int count) =>
        Enumerable.Range(0, count).Select(i => new StreamAddress($"{prefix}-{runId}-s{i}", $"{prefix}-{runId}-m{i}")).ToArray();
}
