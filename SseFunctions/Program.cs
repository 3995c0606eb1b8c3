using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SseFunctions.Configuration;
using SseFunctions.Streaming.Configuration;
using SseFunctions.Telemetry;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services.AddSseStreaming(builder.Configuration);
builder.Services.AddSingleton<IValidateOptions<SseStreamingOptions>, StreamFitsFunctionTimeout>();
builder.Services.AddSseFunctionsTelemetry(builder.Configuration);

try
{
    await builder.Build().RunAsync();
    return 0;
}
catch (OptionsValidationException exception)
{
    // One line per bad setting, naming it, on stderr: the host logs the worker's stderr.
    foreach (var failure in exception.Failures)
    {
        Console.Error.WriteLine($"error: {failure}");
    }

    return 1;
}
