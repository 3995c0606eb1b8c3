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

    /// <summary>Host names tokens may be for, besides localhost, the loopback addresses, the machine's name and <see cref="Host"/>.</summary>
    public IList<string> HostNames { get; } = [];

    /// <summary>An emulator-style Config.json; null = the defaults (topic token-streams, session subscription sse-service-token-streams).</summary>
    public string? ConfigPath { get; set; }

    public int MaxMessageSizeBytes { get; set; } = 256 * 1024;

    /// <summary>Also serve AMQPS (TLS) on <see cref="TlsPort"/>: the Python SDK speaks nothing else. Plain AMQP stays on <see cref="Port"/>.</summary>
    public bool Tls { get; set; }

    /// <summary>5671, the AMQPS port the SDKs use; 0 = any free port.</summary>
    public int TlsPort { get; set; } = 5671;

    /// <summary>A PEM certificate (with <see cref="CertificateKeyPath"/>, or its key inside) or a PFX; null = a development certificate.</summary>
    public string? CertificatePath { get; set; }

    public string? CertificateKeyPath { get; set; }

    /// <summary>The password of a PFX <see cref="CertificatePath"/>.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>Where the development certificate is made and kept; null = LocalServiceBus under the user's local application data.</summary>
    public string? DevelopmentCertificateDirectory { get; set; }

    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>How often expired locks are looked for (tests stretch it to see the checks made at settlement and renewal).</summary>
    internal TimeSpan LockSweepInterval { get; set; } = TimeSpan.FromMilliseconds(200);
}
