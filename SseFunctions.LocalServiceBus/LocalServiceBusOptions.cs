using Microsoft.Extensions.Logging;

namespace SseFunctions.LocalServiceBus;

public sealed class LocalServiceBusOptions
{
    /// <summary>The well-known development key, like Azurite's: not a secret.</summary>
    public const string DevelopmentKey = "LocalServiceBusDevelopmentKeyNotASecret0000=";

    public string Host { get; set; } = "127.0.0.1";

    /// <summary>0 = any free port (read it back from <see cref="LocalServiceBusHost.Port"/>).</summary>
    public int Port { get; set; } = 5672;

    public string KeyName { get; set; } = "RootManageSharedAccessKey";

    public string Key { get; set; } = DevelopmentKey;

    /// <summary>An emulator-style Config.json; null = the defaults (topic token-streams, session subscription sse-service-token-streams).</summary>
    public string? ConfigPath { get; set; }

    public int MaxMessageSizeBytes { get; set; } = 256 * 1024;

    public ILoggerFactory? LoggerFactory { get; set; }
}
