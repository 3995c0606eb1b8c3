using Microsoft.Extensions.Logging;

namespace SseFunctions.Streaming.ServiceBus;

public class ServiceBusClientOptions
{
    public ServiceBusRetryOptions RetryOptions { get; set; } = new();

    /// <summary>Shown to the broker as the connection's container id prefix.</summary>
    public string? Identifier { get; set; }

    public ILoggerFactory? LoggerFactory { get; set; }
}
