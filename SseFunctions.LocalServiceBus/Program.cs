using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using SseFunctions.LocalServiceBus;

var options = new LocalServiceBusOptions();
var logLevel = LogLevel.Information;
for (var i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--port":
            options.Port = int.Parse(Value(), NumberStyles.None, CultureInfo.InvariantCulture);
            break;
        case "--config":
            options.ConfigPath = Value();
            break;
        case "--host":
            options.Host = Value();
            break;
        case "--log-level":
            logLevel = Enum.Parse<LogLevel>(Value(), ignoreCase: true);
            break;
        case "-h" or "--help":
            Console.WriteLine("Usage: SseFunctions.LocalServiceBus [--port 5672] [--config Config.json] [--host 127.0.0.1] [--log-level Information]");
            return 0;
        default:
            Console.Error.WriteLine($"Unknown argument '{args[i]}'. Try --help.");
            return 2;
    }
}

using var loggerFactory = LoggerFactory.Create(builder => builder
    .SetMinimumLevel(logLevel)
    .AddSimpleConsole(console => { console.SingleLine = true; console.TimestampFormat = "HH:mm:ss.fff "; })
    .AddFilter("SseFunctions.LocalServiceBus", logLevel));
options.LoggerFactory = loggerFactory;

LocalServiceBusHost host;
try
{
    host = await LocalServiceBusHost.StartAsync(options);
}
catch (Exception exception) when (exception is InvalidDataException or System.Net.Sockets.SocketException or ArgumentException or IOException)
{
    Console.Error.WriteLine($"LocalServiceBus could not start: {exception.Message}");
    return 1;
}

var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.TrySetResult();
};
using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.TrySetResult();
});

Console.WriteLine($"LocalServiceBus listening on {options.Host}:{host.Port}. Connection string:");
Console.WriteLine(host.ConnectionString);
Console.Out.Flush();

await stop.Task;
await host.DisposeAsync();
return 0;
