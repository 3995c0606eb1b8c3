using System.Text.Json;

namespace SseFunctions.Streaming.Messages;

/// <summary>
/// Reads the LLM worker's message bodies:
/// <c>{"sessionId","chatMessageId","token"}</c>, <c>{"sessionId","chatMessageId","end_of_stream":true}</c>
/// and <c>{"chatMessageId","error"}</c>. Unknown properties are ignored.
/// </summary>
public static class TokenStreamMessageParser
{
    /// <summary>Parses <paramref name="body"/>; on failure <paramref name="error"/> says why, fit for a dead-letter description.</summary>
    public static bool TryParse(ReadOnlySpan<byte> body, out TokenStreamMessage? message, out string? error)
    {
        message = null;
        string? chatMessageId = null, token = null, producerError = null;
        var endOfStream = false;
        try
        {
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
                    if (!ReadString(ref reader, out chatMessageId))
                    {
                        error = "chatMessageId is not a string.";
                        return false;
                    }
                }
                else if (reader.ValueTextEquals("token"u8))
                {
                    if (!ReadString(ref reader, out token))
                    {
                        error = "token is not a string.";
                        return false;
                    }
                }
                else if (reader.ValueTextEquals("end_of_stream"u8))
                {
                    reader.Read();
                    if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False))
                    {
                        error = "end_of_stream is not a boolean.";
                        return false;
                    }

                    endOfStream = reader.TokenType == JsonTokenType.True;
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    if (!ReadString(ref reader, out producerError))
                    {
                        error = "error is not a string.";
                        return false;
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                error = "The body has content after its JSON object.";
                return false;
            }
        }
        catch (JsonException exception)
        {
            error = $"The body is not valid JSON: {exception.Message}";
            return false;
        }

        if (string.IsNullOrEmpty(chatMessageId))
        {
            error = "chatMessageId is missing.";
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

    private static bool ReadString(ref Utf8JsonReader reader, out string? value)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            value = reader.GetString();
            return true;
        }

        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            reader.Skip();
        }

        value = null;
        return false;
    }
}
