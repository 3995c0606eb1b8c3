using System.Globalization;
using Microsoft.Extensions.Logging;

namespace SseFunctions.LocalServiceBus;

/// <summary>The runnable's arguments (see <see cref="Usage"/>).</summary>
public sealed record CommandLine(LocalServiceBusOptions Options, LogLevel LogLevel, bool ShowHelp)
{
    public const string Usage = """
        Usage: SseFunctions.LocalServiceBus [options]
          --port 5672              plain AMQP port (0 = a free port)
          --host 127.0.0.1         address to listen on
          --hostname NAME          a host name tokens may be for, besides localhost, 127.0.0.1, ::1 and the machine's (repeatable)
          --config Config.json     entities, in the official emulator's Config.json shape
          --key-name NAME          shared access key name (default RootManageSharedAccessKey)
          --key KEY                shared access key (default: the well-known development key)
          --tls                    also serve AMQPS (TLS), as the Python SDK needs
          --tls-port 5671          AMQPS port (0 = a free port)
          --cert FILE              TLS certificate: PEM (with --cert-key, or the key inside) or PFX
          --cert-key FILE          the PEM certificate's private key
          --cert-password PASS     the PFX's password
          --cert-dir DIR           where the development certificate is made and kept when --cert is not given
          --log-level Information  Trace, Debug, Information, Warning, Error, Critical, None
        """;

    /// <exception cref="ArgumentException">An unknown argument or a bad value, with a message naming it.</exception>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var options = new LocalServiceBusOptions();
        var logLevel = LogLevel.Information;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            switch (name)
            {
                case "--port":
                    options.Port = Port(name, Value());
                    break;
                case "--tls-port":
                    options.TlsPort = Port(name, Value());
                    break;
                case "--config":
                    options.ConfigPath = Value();
                    break;
                case "--host":
                    options.Host = Value();
                    break;
                case "--hostname":
                    options.HostNames.Add(NotEmpty(name, Value()));
                    break;
                case "--key-name":
                    options.KeyName = NotEmpty(name, Value());
                    break;
                case "--key":
                    options.Key = NotEmpty(name, Value());
                    break;
                case "--tls":
                    options.Tls = true;
                    break;
                case "--cert":
                    options.CertificatePath = Value();
                    break;
                case "--cert-key":
                    options.CertificateKeyPath = Value();
                    break;
                case "--cert-password":
                    options.CertificatePassword = Value();
                    break;
                case "--cert-dir":
                    options.DevelopmentCertificateDirectory = Value();
                    break;
                case "--log-level":
                    var level = Value();
                    if (!Enum.TryParse(level, ignoreCase: true, out logLevel) || !Enum.IsDefined(logLevel))
                    {
                        throw new ArgumentException($"--log-level must be one of {string.Join(", ", Enum.GetNames<LogLevel>())}, got '{level}'.");
                    }

                    break;
                case "-h" or "--help":
                    return new CommandLine(options, logLevel, ShowHelp: true);
                default:
                    throw new ArgumentException($"Unknown argument '{name}'.");
            }
        }

        if (!options.Tls && (options.CertificatePath ?? options.CertificateKeyPath ?? options.CertificatePassword ?? options.DevelopmentCertificateDirectory) is not null)
        {
            throw new ArgumentException("--cert, --cert-key, --cert-password and --cert-dir need --tls.");
        }

        if (options.CertificatePath is null && (options.CertificateKeyPath ?? options.CertificatePassword) is not null)
        {
            throw new ArgumentException("--cert-key and --cert-password belong to a certificate given with --cert.");
        }

        return new CommandLine(options, logLevel, ShowHelp: false);
    }

    static int Port(string name, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number <= 65535
            ? number
            : throw new ArgumentException($"{name} must be a number from 0 to 65535, got '{value}'.");

    static string NotEmpty(string name, string value) =>
        string.IsNullOrWhiteSpace(value) ? throw new ArgumentException($"{name} must not be empty.") : value;
}
