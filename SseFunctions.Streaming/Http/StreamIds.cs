namespace SseFunctions.Streaming.Http;

/// <summary>The rule for the session and chat message ids in the stream URL.</summary>
public static class StreamIds
{
    public const int MaxLength = 128;

    /// <summary>The 400 error for a path under <c>/api/stream/</c> that does not have exactly two ids.</summary>
    public const string MalformedPathError = "Expected /api/stream/{sessionId}/{chatMessageId} with two non-empty ids.";

    /// <summary>Null when <paramref name="value"/> is a valid id, otherwise why it is not.</summary>
    public static string? Validate(string name, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return $"{name} is required.";
        }

        if (value.Length > MaxLength)
        {
            return $"{name} is longer than {MaxLength} characters.";
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-'))
            {
                return $"{name} may contain only letters, digits, '.', '_', ':' and '-'.";
            }
        }

        if (value.AsSpan().IndexOfAnyExcept('.') < 0)
        {
            return $"{name} cannot be made of dots only.";
        }

        return null;
    }
}
