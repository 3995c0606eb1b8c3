namespace SseFunctions.Streaming.ServiceBus;

/// <summary>A message to send.</summary>
public class ServiceBusMessage
{
    public ServiceBusMessage() : this(BinaryData.Empty) { }

    public ServiceBusMessage(string body) : this(BinaryData.FromString(body)) { }

    public ServiceBusMessage(BinaryData body) => Body = body;

    public BinaryData Body { get; set; }

    public string? MessageId { get; set; }

    public string? SessionId { get; set; }

    public string? ContentType { get; set; }

    public string? Subject { get; set; }

    public string? CorrelationId { get; set; }

    public TimeSpan? TimeToLive { get; set; }

    public IDictionary<string, object> ApplicationProperties { get; } = new Dictionary<string, object>();
}
