using System.Reflection;
using Microsoft.Extensions.Logging;
using SseFunctions.LocalFunctionsHost.Hosting;

namespace SseFunctions.Tests.Support;

/// <summary>The Functions app's build output under the local Functions host: the real isolated worker, in its own process.</summary>
public sealed class FunctionsTestHost(LocalFunctionsHostApp app, ILoggerFactory loggerFactory) : ITestAppHost
{
    /// <summary>SseFunctions/bin/&lt;configuration&gt;/net10.0, built with the tests (a project reference).</summary>
    public static string ScriptRoot { get; } = typeof(FunctionsTestHost).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(attribute => attribute.Key == "SseFunctionsOutput").Value!;

    public LocalFunctionsHostApp App { get; } = app;

    public Uri BaseAddress => App.BaseAddress;

    /// <param name="settings">The worker's app settings (over local.settings.json and this process's environment).</param>
    public static async Task<FunctionsTestHost> StartAsync(IReadOnlyDictionary<string, string?> settings, ILoggerProvider logs)
    {
        var loggerFactory = LoggerFactory.Create(logging =>
        {
            logging.SetMinimumLevel(LogLevel.Debug).AddProvider(logs);
            if (TestLogs.Enabled)
            {
                logging.AddSimpleConsole(console => console.TimestampFormat = "HH:mm:ss.fff ");
            }
        });
        var options = new LocalFunctionsHostOptions
        {
            ScriptRoot = ScriptRoot,
            Port = 0,
            AppSettings = settings.Where(pair => pair.Value is not null).ToDictionary(pair => pair.Key, pair => pair.Value!),
            StopGracePeriod = TimeSpan.FromSeconds(5),
        };
        return new FunctionsTestHost(await LocalFunctionsHostApp.StartAsync(options, loggerFactory), loggerFactory);
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        loggerFactory.Dispose();
    }
}
