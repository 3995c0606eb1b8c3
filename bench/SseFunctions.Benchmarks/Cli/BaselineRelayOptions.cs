using System.Globalization;
using SseFunctions.Streaming.Configuration;

namespace SseFunctions.Benchmarks.Cli;

/// <summary><c>--baseline-relay --port P</c>, with Service Bus from <c>SERVICEBUS_CONNECTION_STRING</c> like the service.</summary>
public sealed record BaselineRelayOptions(int Port, string ConnectionString, string TopicName, string SubscriptionName)
{
    public const string Switch = "--baseline-relay";

    public static bool IsRequested(IReadOnlyList<string> args) => args.Contains(Switch);

    public static bool TryParse(IReadOnlyList<string> args, out BaselineRelayOptions options, out string? problem)
    {
        options = null!;
        var portIndex = args.ToList().IndexOf("--port");
        if (portIndex < 0 || portIndex + 1 >= args.Count
            || !int.TryParse(args[portIndex + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            problem = "--baseline-relay needs --port <1..65535>.";
            return false;
        }

        var connectionString = Environment.GetEnvironmentVariable(SseStreamingOptionsReader.ConnectionStringSetting);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            problem = $"{SseStreamingOptionsReader.ConnectionStringSetting} must be set for the baseline relay.";
            return false;
        }

        var defaults = new SseStreamingOptions();
        options = new BaselineRelayOptions(
            port,
            connectionString,
            Environment.GetEnvironmentVariable(SseStreamingOptionsReader.TopicSetting) is { Length: > 0 } topic ? topic : defaults.TopicName,
            Environment.GetEnvironmentVariable(SseStreamingOptionsReader.SubscriptionSetting) is { Length: > 0 } subscription ? subscription : defaults.SubscriptionName);
        problem = null;
        return true;
    }
}
