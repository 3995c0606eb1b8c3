namespace SseFunctions.Tests.Support;

/// <summary>What an SSE parser hands over: an event (data, with its id) or a comment line.</summary>
public sealed record SseEvent(string? Id, string? Data, string? Comment, int? Retry)
{
    public bool IsComment => Comment is not null;
}
