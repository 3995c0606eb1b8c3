namespace SseFunctions;

/// <summary>The stream route's catch-all value: exactly <c>{sessionId}/{chatMessageId}</c>, or a malformed path.</summary>
public static class StreamPath
{
    /// <summary>Splits <c>s1/m1</c>; false for a missing, empty or extra segment. The ids' characters are the handler's to check.</summary>
    public static bool TryParse(string? path, out string sessionId, out string chatMessageId)
    {
        var segments = (path ?? string.Empty).Split('/');
        if (segments is [{ Length: > 0 } session, { Length: > 0 } message])
        {
            (sessionId, chatMessageId) = (session, message);
            return true;
        }

        (sessionId, chatMessageId) = (string.Empty, string.Empty);
        return false;
    }
}
