using System.Globalization;

namespace SseFunctions.LocalFunctionsHost.Hosting;

/// <summary><c>--script-root &lt;dir&gt; [--port 7071]</c>.</summary>
public static class CommandLine
{
    public const string Usage = "usage: SseFunctions.LocalFunctionsHost --script-root <Functions app build output, e.g. SseFunctions/bin/Release/net10.0> [--port 7071]";

    /// <summary>The options, or the reason the arguments are wrong.</summary>
    public static (LocalFunctionsHostOptions? Options, string? Error) Parse(IReadOnlyList<string> args)
    {
        string? scriptRoot = null;
        var port = LocalFunctionsHostOptions.DefaultPort;
        for (var i = 0; i < args.Count; i++)
        {
            var value = i + 1 < args.Count ? args[i + 1] : null;
            switch (args[i])
            {
                case "--script-root" when value is not null:
                    scriptRoot = value;
                    i++;
                    break;
                case "--port" when value is not null:
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535)
                    {
                        return (null, $"--port must be a TCP port number (0 for a free one), not '{value}'.");
                    }

                    i++;
                    break;
                case "--script-root" or "--port":
                    return (null, $"{args[i]} needs a value.");
                default:
                    return (null, $"unknown argument '{args[i]}'.");
            }
        }

        if (scriptRoot is null)
        {
            return (null, "--script-root is required.");
        }

        if (!Directory.Exists(scriptRoot))
        {
            return (null, $"--script-root '{scriptRoot}' is not a directory: build the Functions app first (dotnet build SseFunctions -c Release).");
        }

        return (new LocalFunctionsHostOptions { ScriptRoot = scriptRoot, Port = port }, null);
    }
}
