using System.Globalization;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace SseFunctions.Streaming.Configuration;

/// <summary>Reads <see cref="SseStreamingOptions"/> from the app settings of the original service and reports every bad one by name.</summary>
public static class SseStreamingOptionsReader
{
    public const string FullyQualifiedNamespaceSetting = "SERVICEBUS_FULLY_QUALIFIED_NAMESPACE";
    public const string ConnectionStringSetting = "SERVICEBUS_CONNECTION_STRING";
    public const string TopicSetting = "SERVICEBUS_TOKEN_STREAMS_TOPIC";
    public const string SubscriptionSetting = "SERVICEBUS_TOKEN_STREAMS_SUBSCRIPTION";
    public const string CorsOriginsSetting = "CORS_ORIGINS";
    public const string LogLevelSetting = "LOG_LEVEL";
    public const string HeartbeatSetting = "SSE_HEARTBEAT_SECONDS";
    public const string IdleTimeoutSetting = "SSE_IDLE_TIMEOUT_SECONDS";
    public const string MaxStreamSetting = "SSE_MAX_STREAM_SECONDS";
    public const string PendingMessageSetting = "SSE_PENDING_MESSAGE_SECONDS";
    public const string TransportTypeSetting = "SERVICEBUS_TRANSPORT_TYPE";
    public const string ManagedIdentityClientIdSetting = "AZURE_CLIENT_ID";
    public const string StreamTokenSigningKeySetting = "SSE_STREAM_TOKEN_SIGNING_KEY";
    public const string StreamTokenPreviousSigningKeySetting = "SSE_STREAM_TOKEN_SIGNING_KEY_PREVIOUS";
    public const string StreamTokenIssuerSetting = "SSE_STREAM_TOKEN_ISSUER";
    public const string StreamTokenAudienceSetting = "SSE_STREAM_TOKEN_AUDIENCE";
    public const string MaxStreamsSetting = "SSE_MAX_STREAMS";
    public const string MaxSessionsSetting = "SSE_MAX_SESSIONS";

    /// <summary>The shortest HS256 key accepted: as long as the hash (RFC 7518 §3.2).</summary>
    public const int MinimumSigningKeyBytes = 32;

    /// <summary>Fills <paramref name="options"/> and returns one line per problem, each naming its setting; empty when all is well.</summary>
    public static IReadOnlyList<string> Read(IConfiguration configuration, SseStreamingOptions options)
    {
        var problems = new List<string>();

        options.FullyQualifiedNamespace = NonEmpty(configuration[FullyQualifiedNamespaceSetting]);
        options.ConnectionString = NonEmpty(configuration[ConnectionStringSetting]);
        if (options.FullyQualifiedNamespace is null && options.ConnectionString is null)
        {
            problems.Add($"{FullyQualifiedNamespaceSetting} or {ConnectionStringSetting} must be set: Service Bus is not configured.");
        }
        else if (options.FullyQualifiedNamespace is { } ns && Uri.CheckHostName(StripScheme(ns)) == UriHostNameType.Unknown)
        {
            problems.Add($"{FullyQualifiedNamespaceSetting} must be a host name such as <namespace>.servicebus.windows.net.");
        }
        else if (options.ConnectionString is { } cs && !cs.Contains("Endpoint=", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add($"{ConnectionStringSetting} has no Endpoint=: it is not a Service Bus connection string.");
        }

        if (options.FullyQualifiedNamespace is { } host && Uri.CheckHostName(StripScheme(host)) != UriHostNameType.Unknown)
        {
            options.FullyQualifiedNamespace = StripScheme(host);
        }

        options.ManagedIdentityClientId = NonEmpty(configuration[ManagedIdentityClientIdSetting]);
        if (NonEmpty(configuration[TransportTypeSetting]) is { } transport)
        {
            if (Enum.TryParse<ServiceBusTransportType>(transport, ignoreCase: true, out var parsed) && Enum.IsDefined(parsed) && !char.IsAsciiDigit(transport[0]))
            {
                options.TransportType = parsed;
            }
            else
            {
                problems.Add($"{TransportTypeSetting} must be AmqpTcp or AmqpWebSockets, not '{transport}'.");
            }
        }

        options.TopicName = EntityName(configuration, TopicSetting, options.TopicName, problems);
        options.SubscriptionName = EntityName(configuration, SubscriptionSetting, options.SubscriptionName, problems);

        if (NonEmpty(configuration[CorsOriginsSetting]) is { } origins)
        {
            options.CorsOrigins = origins.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(origin => origin.TrimEnd('/'))
                .ToArray();
            foreach (var origin in options.CorsOrigins.Where(o => o != "*" && !Uri.TryCreate(o, UriKind.Absolute, out _)))
            {
                problems.Add($"{CorsOriginsSetting} has '{origin}', which is neither '*' nor an origin such as https://chat.example.com.");
            }
        }

        if (NonEmpty(configuration[LogLevelSetting]) is { } level)
        {
            LogLevel? parsed = level.ToUpperInvariant() switch
            {
                "DEBUG" => LogLevel.Debug,
                "INFO" or "INFORMATION" => LogLevel.Information,
                "WARNING" or "WARN" => LogLevel.Warning,
                "ERROR" => LogLevel.Error,
                _ => null,
            };
            if (parsed is null)
            {
                problems.Add($"{LogLevelSetting} must be DEBUG, INFO, WARNING or ERROR, not '{level}'.");
            }
            else
            {
                options.LogLevel = parsed.Value;
            }
        }

        options.HeartbeatInterval = Seconds(configuration, HeartbeatSetting, options.HeartbeatInterval, problems);
        options.IdleTimeout = Seconds(configuration, IdleTimeoutSetting, options.IdleTimeout, problems);
        options.MaxStreamDuration = Seconds(configuration, MaxStreamSetting, options.MaxStreamDuration, problems);
        options.PendingMessageTimeout = Seconds(configuration, PendingMessageSetting, options.PendingMessageTimeout, problems, allowZero: true);
        ReadStreamTokenSettings(configuration, options, problems);
        options.MaxStreams = Count(configuration, MaxStreamsSetting, options.MaxStreams, problems);
        options.MaxSessions = Count(configuration, MaxSessionsSetting, options.MaxSessions, problems);
        return problems;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static string StripScheme(string host) =>
        host.Contains("://", StringComparison.Ordinal) ? new Uri(host).Host : host.TrimEnd('/');

    private static string EntityName(IConfiguration configuration, string setting, string fallback, List<string> problems)
    {
        var value = NonEmpty(configuration[setting]);
        if (value is null)
        {
            return fallback;
        }

        if (value.Length > 260 || value.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '/')))
        {
            problems.Add($"{setting} must be a Service Bus entity name (letters, digits, '-', '.', '_'), not '{value}'.");
        }

        return value;
    }

    private static TimeSpan Seconds(IConfiguration configuration, string setting, TimeSpan fallback, List<string> problems, bool allowZero = false)
    {
        var value = NonEmpty(configuration[setting]);
        if (value is null)
        {
            return fallback;
        }

        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || seconds < 0 || (seconds == 0 && !allowZero) || seconds > 86_400)
        {
            problems.Add(allowZero
                ? $"{setting} must be a number of seconds from 0 to 86400, not '{value}'."
                : $"{setting} must be a number of seconds between 0 and 86400, not '{value}'.");
            return fallback;
        }

        return TimeSpan.FromSeconds(seconds);
    }

    private static void ReadStreamTokenSettings(IConfiguration configuration, SseStreamingOptions options, List<string> problems)
    {
        var current = SigningKey(configuration, StreamTokenSigningKeySetting, problems);
        var previous = SigningKey(configuration, StreamTokenPreviousSigningKeySetting, problems);
        options.StreamTokenIssuer = NonEmpty(configuration[StreamTokenIssuerSetting]);
        options.StreamTokenAudience = NonEmpty(configuration[StreamTokenAudienceSetting]);
        options.StreamTokenSigningKeys = current is null ? [] : previous is null ? [current] : [current, previous];
        if (NonEmpty(configuration[StreamTokenSigningKeySetting]) is null)
        {
            // Anything else of the token settings without the key means an operator who wants protection did not get it.
            foreach (var setting in new[] { StreamTokenPreviousSigningKeySetting, StreamTokenIssuerSetting, StreamTokenAudienceSetting })
            {
                if (NonEmpty(configuration[setting]) is not null)
                {
                    problems.Add($"{setting} is set but {StreamTokenSigningKeySetting} is not: streams would be open to anyone.");
                }
            }
        }
    }

    /// <summary>A base64 key of at least <see cref="MinimumSigningKeyBytes"/> bytes. Problems never quote the value.</summary>
    private static byte[]? SigningKey(IConfiguration configuration, string setting, List<string> problems)
    {
        var value = NonEmpty(configuration[setting]);
        if (value is null)
        {
            return null;
        }

        var buffer = new byte[value.Length];
        if (!Convert.TryFromBase64String(value, buffer, out var length))
        {
            problems.Add($"{setting} must be base64 (e.g. from `openssl rand -base64 32`); the value is not.");
            return null;
        }

        if (length < MinimumSigningKeyBytes)
        {
            problems.Add($"{setting} must decode to at least {MinimumSigningKeyBytes} bytes; it has {length}.");
            return null;
        }

        return buffer[..length];
    }

    private static int Count(IConfiguration configuration, string setting, int fallback, List<string> problems)
    {
        var value = NonEmpty(configuration[setting]);
        if (value is null)
        {
            return fallback;
        }

        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 1)
        {
            problems.Add($"{setting} must be a whole number of at least 1, not '{value}'.");
            return fallback;
        }

        return count;
    }
}
