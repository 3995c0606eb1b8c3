using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SseFunctions.Streaming.Access.Redaction;

public static class LogRedactionServiceCollectionExtensions
{
    /// <summary>Puts a <see cref="RedactingLoggerFactory"/> around the host's <see cref="ILoggerFactory"/>, so that
    /// every logger resolved from the container masks <c>access_token</c> values. <c>AddSseStreaming</c> calls it; a host
    /// in front of the app (a proxy that logs URLs) can call it too.</summary>
    public static IServiceCollection RedactAccessTokensInLogs(this IServiceCollection services)
    {
        if (services.Any(descriptor => descriptor.ServiceType == typeof(RedactingLoggerFactory)))
        {
            return services;
        }

        services.AddLogging();
        var original = services.Last(descriptor => descriptor.ServiceType == typeof(ILoggerFactory));
        services.Remove(original);
        services.AddSingleton(provider => new RedactingLoggerFactory(original switch
        {
            { ImplementationInstance: ILoggerFactory instance } => instance,
            { ImplementationFactory: { } factory } => (ILoggerFactory)factory(provider),
            _ => (ILoggerFactory)ActivatorUtilities.CreateInstance(provider, original.ImplementationType!),
        }));
        services.AddSingleton<ILoggerFactory>(provider => provider.GetRequiredService<RedactingLoggerFactory>());
        return services;
    }
}
