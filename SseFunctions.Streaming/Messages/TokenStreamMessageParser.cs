using System.Text.Json;
using System.Text.Unicode;
using SseFunctions.Streaming.Http;

namespace SseFunctions.Streaming.Messages;

/// <summary>
/// Reads the LLM worker's message bodies:
/// <c>{"sessionId","chatMessageId","token"}</c>, <c>{"sessionId","chatMessageId","end_of_stream":true}</c>
/// and <c>{"chatMessageId","error"}</c>. Unknown properties are ignored; a JSON <c>null</c> counts as absent.
/// It never throws: whatever a body holds, it is either read or refused with a reason.
/// </summary>
public static class TokenStreamMessageParser
{
    /// <summary>Parses <paramref name="body"/>; on failure <paramref name="error"/> says why, fit for a dead-letter description.</summary>
    public static bool TryParse(ReadOnlySpan<byte> body, out TokenStreamMessage? message, out string? error)
    {
        message = null;
        try
        {
            return TryParseCore(body, out message, out error);
        }
        catch (Exception exception) when (exception is JsonException or InvalidOperationException or ArgumentException or FormatException)
        {
            error = exception is JsonException
                ? $"The body is not valid JSON: {exception.Message}"
                : $"The body could not be read: {exception.Message}";
            return false;
        }
    }

    private static bool TryParseCore(ReadOnlySpan<byte> body, out TokenStreamMessage? message, out string? error)
    {
        message = null;
        if (body.StartsWith("\uFEFF"u8))
        {
            body = body[3..];
        }

        // Utf8JsonReader checks only the JSON structure; the text inside strings is decoded later, and ignored
        // properties never are. A body is UTF-8 JSON or nothing.
        if (!Utf8.IsValid(body))
        {
            error = "The body is not valid UTF-8.";
            return false;
        }

        string? chatMessageId = null, token = null, producerError = null;
        var endOfStream = false;
        error = null;
        var reader = new Utf8JsonReader(body);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            error = "The body is not a JSON object.";
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("chatMessageId"u8))
            {
                error = ReadString(ref reader, "chatMessageId", out chatMessageId);
            }
            else if (reader.ValueTextEquals("token"u8))
            {
                error = ReadString(ref reader, "token", out token);
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                error = ReadString(ref reader, "error", out producerError);
            }
            else if (reader.ValueTextEquals("end_of_stream"u8))
            {
                reader.Read();
                error = reader.TokenType is JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null ? null : "end_of_stream is not a boolean.";
                endOfStream = reader.TokenType == JsonTokenType.True;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }

            if (error is not null)
            {
                return false;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            error = "The body has content after its JSON object.";
            return false;
        }

        if (string.IsNullOrEmpty(chatMessageId))
        {
            error = "chatMessageId is missing.";
            return false;
        }

        // No stream could ever ask for an id the stream URL refuses: such a message could only wait and be dropped.
        if (StreamIds.Validate("chatMessageId", chatMessageId) is { } invalidId)
        {
            error = invalidId;
            return false;
        }

        if (producerError is not null)
        {
            message = TokenStreamMessage.Error(chatMessageId, producerError);
        }
        else if (endOfStream)
        {
            message = TokenStreamMessage.EndOfStream(chatMessageId);
        }
        else if (token is not null)
        {
            message = TokenStreamMessage.Token(chatMessageId, token);
        }
        else
        {
            error = "The body has neither token, end_of_stream nor error.";
            return false;
        }

        error = null;
        return true;
    }

    /// <returns>Null when the value is a string (or null, read as absent); otherwise why it cannot be read.</returns>
    private static string? ReadString(ref Utf8JsonReader reader, string name, out string? value)
    {
        value = null;
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return null;
            case JsonTokenType.String:
                try
                {
                    value = reader.GetString();
                    return null;
                }
                catch (InvalidOperationException)
                {
                    // A lone surrogate escape ("\ud83d", what JSON.stringify makes of a string cut mid-emoji) has no UTF-16 string.
                    return $"{name} is not valid text: it has a lone surrogate escape.";
                }

            default:
                reader.Skip();
                return $"{name} is not a string.";
        }
    }
}
