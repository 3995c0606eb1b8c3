using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using SseFunctions.LocalServiceBus;

CommandLine commandLine;
try
{
    commandLine = CommandLine.Parse(args);
}
catch (ArgumentException exception)
{
    Console.Error.WriteLine(exception.Message);
    Console.Error.WriteLine(CommandLine.Usage);
    return 2;
}

if (commandLine.ShowHelp)
{
    Console.WriteLine(CommandLine.Usage);
    return 0;
}

using var loggerFactory = LoggerFactory.Create(builder => builder
    .SetMinimumLevel(commandLine.LogLevel)
    .AddSimpleConsole(console => { console.SingleLine = true; console.TimestampFormat = "HH:mm:ss.fff "; }));
var options = commandLine.Options;
options.LoggerFactory = loggerFactory;

LocalServiceBusHost host;
try
{
    host = await LocalServiceBusHost.StartAsync(options);
}
catch (Exception exception) when (exception is InvalidDataException or System.Net.Sockets.SocketException or ArgumentException or IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
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
if (host.TlsConnectionString is { } tlsConnectionString)
{
    Console.WriteLine($"AMQPS (TLS) on {options.Host}:{host.TlsPort}. Connection string:");
    Console.WriteLine(tlsConnectionString);
    Console.WriteLine(host.TrustedCertificatePath is { } trusted
        ? $"TLS certificate{(host.CreatedDevelopmentCertificate ? " (created now)" : "")}, for clients to trust: {trusted}"
        : $"TLS certificate: {options.CertificatePath}");
}

Console.Out.Flush();

await stop.Task;
await host.DisposeAsync();
return 0;
