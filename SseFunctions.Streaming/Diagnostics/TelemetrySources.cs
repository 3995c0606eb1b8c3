namespace SseFunctions.Streaming.Diagnostics;

/// <summary>What a host exports to see the service: the engine's meter and the Service Bus SDK's traces.</summary>
public static class TelemetrySources
{
    public const string Meter = SseMetrics.MeterName;

    /// <summary>The Azure SDK's activity sources for Service Bus (they need the Azure.Experimental.EnableActivitySource switch).</summary>
    public const string ServiceBusActivities = "Azure.Messaging.ServiceBus.*";

    public const string AzureActivitySourceSwitch = "Azure.Experimental.EnableActivitySource";
}
