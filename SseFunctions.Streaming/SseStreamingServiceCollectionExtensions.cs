using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SseFunctions.Streaming.Access;
using SseFunctions.Streaming.Access.Redaction;
using SseFunctions.Streaming.Configuration;
using SseFunctions.Streaming.Diagnostics;
using SseFunctions.Streaming.Http;
using SseFunctions.Streaming.Limits;
using SseFunctions.Streaming.ServiceBus;
using SseFunctions.Streaming.Sessions;

namespace Microsoft.Extensions.DependencyInjection;

public static class SseStreamingServiceCollectionExtensions
{
    /// <summary>
    /// Registers the streaming engine: settings from <paramref name="configuration"/> under the original service's
    /// names (validated when the host starts), the Service Bus client, the session hub, stream access and limits, and the
    /// two handlers. Every logger of the container masks <c>access_token</c> values.
    /// </summary>
    public static IServiceCollection AddSseStreaming(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SseStreamingOptions>().ValidateOnStart();
        services.AddSingleton<IConfigureOptions<SseStreamingOptions>>(new SettingsReader(configuration));
        services.AddSingleton<IValidateOptions<SseStreamingOptions>>(new SettingsReader(configuration));
        services.AddSingleton<IConfigureOptions<LoggerFilterOptions>>(new ConfigureOptions<LoggerFilterOptions>(filters =>
        {
            var options = new SseStreamingOptions();
            SseStreamingOptionsReader.Read(configuration, options);
            filters.MinLevel = options.LogLevel;

            // The SDK's own events (forwarded from its EventSource by Microsoft.Extensions.Azure) describe every
            // receive and settlement at Information: only its warnings and errors (only errors with LOG_LEVEL=ERROR).
            filters.Rules.Add(new LoggerFilterRule(null, "Azure", options.LogLevel > LogLevel.Warning ? options.LogLevel : LogLevel.Warning, null));
        }));

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<SseMetrics>();
        services.AddTokenStreamsServiceBusClient();
        services.TryAddSingleton<SessionHub>();
        services.TryAddSingleton<CorsPolicy>();
        services.RedactAccessTokensInLogs();
        services.TryAddSingleton<StreamTokenValidator>();
        services.TryAddSingleton<StreamAccessGate>();
        services.TryAddSingleton<StreamLimiter>();
        services.AddHostedService<StreamAccessStartupLog>();
        services.AddHostedService<StreamLimitsStartupLog>();
        services.TryAddSingleton<SseStreamHandler>();
        services.TryAddSingleton<HealthHandler>();
        return services;
    }

    private sealed class SettingsReader(IConfiguration configuration) : IConfigureOptions<SseStreamingOptions>, IValidateOptions<SseStreamingOptions>
    {
        public void Configure(SseStreamingOptions options) => SseStreamingOptionsReader.Read(configuration, options);

        public ValidateOptionsResult Validate(string? name, SseStreamingOptions options)
        {
            var problems = SseStreamingOptionsReader.Read(configuration, new SseStreamingOptions());
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
