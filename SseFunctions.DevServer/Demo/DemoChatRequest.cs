using SseFunctions.Streaming.Http;

namespace SseFunctions.DevServer;

/// <summary>What the demo page posts: its chat session and the prompt.</summary>
public sealed record DemoChatRequest(string SessionId, string Prompt)
{
    public const int MaxPromptLength = 2_000;

    public static string? Validate(DemoChatRequest request) =>
        StreamIds.Validate("sessionId", request.SessionId)
        ?? (string.IsNullOrWhiteSpace(request.Prompt) ? "prompt is required."
            : request.Prompt.Length > MaxPromptLength ? $"prompt is longer than {MaxPromptLength} characters." : null);
}

/// <summary>Where the demo page then points its EventSource; with <paramref name="AccessTokenUrl"/> set (a signing key is
/// configured) it first gets a stream token there.</summary>
public sealed record DemoChatStarted(string SessionId, string ChatMessageId, string StreamUrl, string? AccessTokenUrl = null);
