using System.Buffers;
using System.Buffers.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace SseFunctions.Streaming.Sse;

/// <summary>Writes Server-Sent Events frames as UTF-8 into a buffer. JSON payloads go through <see cref="Utf8JsonWriter"/>,
/// which escapes CR and LF, so every payload is a single <c>data:</c> line.</summary>
public static class SseFrames
{
    public const string EndMarker = "__END__";

    // The payload is read by JSON.parse, never placed in HTML, so only what JSON requires is escaped.
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    [ThreadStatic]
    private static Utf8JsonWriter? cachedJsonWriter;

    /// <summary><c>: connected</c> and <c>retry: n</c>: the first bytes, so proxies and the browser see an open stream at once.</summary>
    public static void WritePreamble(IBufferWriter<byte> output, TimeSpan clientRetry)
    {
        output.Write(": connected\nretry: "u8);
        WriteNumber(output, (long)clientRetry.TotalMilliseconds);
        output.Write("\n\n"u8);
    }

    public static void WriteToken(IBufferWriter<byte> output, long id, string token)
    {
        output.Write("id: "u8);
        WriteNumber(output, id);
        output.Write("\ndata: "u8);
        WriteJsonObject(output, "token"u8, token);
        output.Write("\n\n"u8);
    }

    public static void WriteEnd(IBufferWriter<byte> output) => output.Write("data: __END__\n\n"u8);

    /// <param name="retry">Adds <c>"retry":true</c>: the stream ended for a reason of the service's, not of the answer
    /// (a shutdown, Service Bus lost), and a new connection with <c>Last-Event-ID</c> can go on where this one stopped.</param>
    public static void WriteError(IBufferWriter<byte> output, string message, bool retry = false)
    {
        output.Write("data: "u8);
        WriteJsonObject(output, "error"u8, message, retry);
        output.Write("\n\n"u8);
    }

    public static void WriteHeartbeat(IBufferWriter<byte> output) => output.Write(": keep-alive\n\n"u8);

    private static void WriteNumber(IBufferWriter<byte> output, long value)
    {
        var span = output.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var written);
        output.Advance(written);
    }

    private static void WriteJsonObject(IBufferWriter<byte> output, ReadOnlySpan<byte> name, string value, bool retry = false)
    {
        var writer = cachedJsonWriter;
        if (writer is null)
        {
            writer = cachedJsonWriter = new Utf8JsonWriter(output, JsonOptions);
        }
        else
        {
            writer.Reset(output);
        }

        writer.WriteStartObject();
        writer.WriteString(name, value);
        if (retry)
        {
            writer.WriteBoolean("retry"u8, true);
        }

        writer.WriteEndObject();
        writer.Flush();
        writer.Reset(Stream.Null);
    }
}
