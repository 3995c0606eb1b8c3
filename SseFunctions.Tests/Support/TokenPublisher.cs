using System.Text.Json;
using Azure.Messaging.ServiceBus;

namespace SseFunctions.Tests.Support;

/// <summary>Plays the LLM worker: its exact message format, with the chat session as the Service Bus session.</summary>
public sealed class TokenPublisher(ServiceBusSender sender) : IAsyncDisposable
{
    public Task SendTokensAsync(string sessionId, string chatMessageId, params string[] tokens) =>
        sender.SendMessagesAsync(tokens.Select(token => Message(sessionId, new { sessionId, chatMessageId, token })));

    public Task SendEndAsync(string sessionId, string chatMessageId) =>
        sender.SendMessageAsync(Message(sessionId, new { sessionId, chatMessageId, end_of_stream = true }));

    public Task SendErrorAsync(string sessionId, string chatMessageId, string error) =>
        sender.SendMessageAsync(Message(sessionId, new { chatMessageId, error }));

    public Task SendRawAsync(string sessionId, string body) =>
        sender.SendMessageAsync(new ServiceBusMessage(body) { SessionId = sessionId });

    public Task SendBytesAsync(string sessionId, byte[] body) =>
        sender.SendMessageAsync(new ServiceBusMessage(BinaryData.FromBytes(body)) { SessionId = sessionId });

    /// <summary>A body that is an AMQP value (a string), not data: what some AMQP clients send, and the SDK cannot read as bytes.</summary>
    public Task SendAmqpValueAsync(string sessionId, string value)
    {
        var amqp = new Azure.Core.Amqp.AmqpAnnotatedMessage(Azure.Core.Amqp.AmqpMessageBody.FromValue(value));
        return sender.SendMessageAsync(new ServiceBusMessage(amqp) { SessionId = sessionId });
    }

    public ValueTask DisposeAsync() => sender.DisposeAsync();

    private static ServiceBusMessage Message(string sessionId, object body) =>
        new(BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(body))) { SessionId = sessionId, ContentType = "application/json" };
}
