using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SseFunctions.DevServer;
using SseFunctions.Streaming.Configuration;

namespace SseFunctions.Tests.Support;

/// <summary>The DevServer in the test process, with the test's settings and engine tuning.</summary>
public sealed class DevServerTestHost(DevServerApp app) : ITestAppHost
{
    public DevServerApp App { get; } = app;

    public Uri BaseAddress => App.BaseAddress;

    /// <param name="clock">The engine's clock, when the test keeps its own (a FakeTimeProvider that stands still, say).</param>
    public static async Task<DevServerTestHost> StartAsync(IReadOnlyDictionary<string, string?> settings, Action<SseStreamingOptions>? tune, ILoggerProvider logs, TimeProvider? clock = null) =>
        new(await DevServerApp.StartAsync([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.ClearProviders();
            builder.Logging.AddProvider(logs);
            if (TestLogs.Enabled)
            {
                builder.Logging.AddSimpleConsole(console => console.TimestampFormat = "HH:mm:ss.fff ");
            }

            if (clock is not null)
            {
                builder.Services.AddSingleton(clock);
            }

            builder.Services.PostConfigure<SseStreamingOptions>(options =>
            {
                options.SessionRecoveryTimeout = TimeSpan.FromSeconds(5);
                options.ConnectTimeout = TimeSpan.FromSeconds(5);
                tune?.Invoke(options);
            });
        }));

    public ValueTask DisposeAsync() => App.DisposeAsync();
}
