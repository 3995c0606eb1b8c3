using System.Buffers;
using System.Text.Json;
using Azure.Messaging.ServiceBus;

namespace SseFunctions.Benchmarks.Load;

/// <summary>The LLM worker's messages, byte for byte its format: the chat session is the Service Bus session.</summary>
public static class TokenMessages
{
    public static ServiceBusMessage Token(StreamAddress stream, string token) => Create(stream, writer => writer.WriteString("token"u8, token));

    public static ServiceBusMessage End(StreamAddress stream) => Create(stream, writer => writer.WriteBoolean("end_of_stream"u8, true));

    private static ServiceBusMessage Create(StreamAddress stream, Action<Utf8JsonWriter> writeLast)
    {
        var body = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(body))
        {
            writer.WriteStartObject();
            writer.WriteString("sessionId"u8, stream.SessionId);
            writer.WriteString("chatMessageId"u8, stream.ChatMessageId);
            writeLast(writer);
            writer.WriteEndObject();
        }

        return new ServiceBusMessage(BinaryData.FromBytes(body.WrittenMemory)) { SessionId = stream.SessionId, ContentType = "application/json" };
    }
}
