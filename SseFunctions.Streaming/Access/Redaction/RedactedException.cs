namespace SseFunctions.Streaming.Access.Redaction;

/// <summary>Stands in for a logged exception whose text carried a token: the same text, redacted.</summary>
internal sealed class RedactedException(string redactedText, Exception original) : Exception(AccessTokenRedactor.Redact(original.Message))
{
    public string OriginalType { get; } = original.GetType().FullName ?? original.GetType().Name;

    public override string ToString() => redactedText;
}
