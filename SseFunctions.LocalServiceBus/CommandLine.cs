using System.Globalization;
using Microsoft.Extensions.Logging;

namespace SseFunctions.LocalServiceBus;

/// <summary>The runnable's arguments: <c>[--port 5672] [--config Config.json] [--host 127.0.0.1] [--log-level Information]</c>.</summary>
public sealed record CommandLine(LocalServiceBusOptions Options, LogLevel LogLevel, bool ShowHelp)
{
    public const string Usage = "Usage: SseFunctions.LocalServiceBus [--port 5672] [--config Config.json] [--host 127.0.0.1] [--log-level Information]";

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
                    var port = Value();
                    if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number > 65535)
                    {
                        throw new ArgumentException($"--port must be a number from 0 to 65535, got '{port}'.");
                    }

                    options.Port = number;
                    break;
                case "--config":
                    options.ConfigPath = Value();
                    break;
                case "--host":
                    options.Host = Value();
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

        return new CommandLine(options, logLevel, ShowHelp: false);
    }
}
