namespace SseFunctions.Streaming.Messages;

public enum TokenStreamMessageKind
{
    Token,
    EndOfStream,
    Error,
}
