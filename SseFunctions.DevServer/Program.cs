using Microsoft.Extensions.Options;
using SseFunctions.DevServer;

try
{
    await using var server = await DevServerApp.StartAsync(args);
    Console.WriteLine($"SSE Functions DevServer: open {server.BaseAddress} (Ctrl+C to stop)");
    if (server.LocalServiceBus is { } broker)
    {
        Console.WriteLine($"Embedded LocalServiceBus: {broker.ConnectionString}");
    }

    await server.WaitForShutdownAsync();
    return 0;
}
catch (OptionsValidationException exception)
{
    foreach (var failure in exception.Failures)
    {
        Console.Error.WriteLine($"error: {failure}");
    }

    return 1;
}
