namespace SseFunctions.Streaming.Messages;

/// <summary>One message of the LLM worker: a token, the end of an answer, or the producer's failure.</summary>
/// <param name="Text">The token for <see cref="TokenStreamMessageKind.Token"/>, the message for <see cref="TokenStreamMessageKind.Error"/>.</param>
public sealed record TokenStreamMessage(TokenStreamMessageKind Kind, string ChatMessageId, string? Text)
{
    public static TokenStreamMessage Token(string chatMessageId, string token) => new(TokenStreamMessageKind.Token, chatMessageId, token);

    public static TokenStreamMessage EndOfStream(string chatMessageId) => new(TokenStreamMessageKind.EndOfStream, chatMessageId, null);

    public static TokenStreamMessage Error(string chatMessageId, string error) => new(TokenStreamMessageKind.Error, chatMessageId, error);
}
