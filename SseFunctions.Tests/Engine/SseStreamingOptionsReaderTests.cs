using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using SseFunctions.Streaming.Configuration;
using SseFunctions.Streaming.Limits;

namespace SseFunctions.Tests.Engine;

public class SseStreamingOptionsReaderTests
{
    private const string ConnectionString = "Endpoint=sb://localhost:5672;SharedAccessKeyName=k;SharedAccessKey=secret;UseDevelopmentEmulator=true;";

    [Fact]
    public void Defaults_are_the_seeds()
    {
        var (options, problems) = Read(new() { ["SERVICEBUS_CONNECTION_STRING"] = ConnectionString });

        problems.Should().BeEmpty();
        options.TopicName.Should().Be("token-streams");
        options.SubscriptionName.Should().Be("sse-service-token-streams");
        options.HeartbeatInterval.Should().Be(TimeSpan.FromSeconds(15));
        options.IdleTimeout.Should().Be(TimeSpan.FromSeconds(120));
        options.MaxStreamDuration.Should().Be(TimeSpan.FromSeconds(900));
        options.PendingMessageTimeout.Should().Be(TimeSpan.FromSeconds(30));
        options.LogLevel.Should().Be(LogLevel.Information);
        options.CorsOrigins.Should().BeEmpty();
        options.TransportType.Should().Be(ServiceBusTransportType.AmqpTcp);
        options.ManagedIdentityClientId.Should().BeNull();
    }

    [Fact]
    public void Reads_every_setting_by_its_seed_name()
    {
        var (options, problems) = Read(new()
        {
            ["SERVICEBUS_FULLY_QUALIFIED_NAMESPACE"] = "sb://chat.servicebus.windows.net/",
            ["SERVICEBUS_TRANSPORT_TYPE"] = "amqpwebsockets",
            ["AZURE_CLIENT_ID"] = "00000000-0000-0000-0000-0000000000c1",
            ["SERVICEBUS_TOKEN_STREAMS_TOPIC"] = "tokens",
            ["SERVICEBUS_TOKEN_STREAMS_SUBSCRIPTION"] = "sse",
            ["CORS_ORIGINS"] = "https://a.example.com, https://b.example.com/",
            ["LOG_LEVEL"] = "warning",
            ["SSE_HEARTBEAT_SECONDS"] = "5",
            ["SSE_IDLE_TIMEOUT_SECONDS"] = "30.5",
            ["SSE_MAX_STREAM_SECONDS"] = "60",
            ["SSE_PENDING_MESSAGE_SECONDS"] = "2.5",
        });

        problems.Should().BeEmpty();
        options.FullyQualifiedNamespace.Should().Be("chat.servicebus.windows.net");
        options.TransportType.Should().Be(ServiceBusTransportType.AmqpWebSockets);
        options.ManagedIdentityClientId.Should().Be("00000000-0000-0000-0000-0000000000c1");
        options.TopicName.Should().Be("tokens");
        options.SubscriptionName.Should().Be("sse");
        options.CorsOrigins.Should().Equal("https://a.example.com", "https://b.example.com");
        options.LogLevel.Should().Be(LogLevel.Warning);
        options.HeartbeatInterval.Should().Be(TimeSpan.FromSeconds(5));
        options.IdleTimeout.Should().Be(TimeSpan.FromSeconds(30.5));
        options.MaxStreamDuration.Should().Be(TimeSpan.FromSeconds(60));
        options.PendingMessageTimeout.Should().Be(TimeSpan.FromSeconds(2.5));
    }

    [Fact]
    public void A_pending_message_time_of_zero_drops_at_once_as_the_seed_did()
    {
        var (options, problems) = Read(new() { ["SERVICEBUS_CONNECTION_STRING"] = ConnectionString, ["SSE_PENDING_MESSAGE_SECONDS"] = "0" });

        problems.Should().BeEmpty();
        options.PendingMessageTimeout.Should().Be(TimeSpan.Zero);
    }

    [Fact]
    public void Missing_service_bus_settings_are_named()
    {
        var (_, problems) = Read([]);

        problems.Should().ContainSingle().Which.Should().Contain("SERVICEBUS_FULLY_QUALIFIED_NAMESPACE").And.Contain("SERVICEBUS_CONNECTION_STRING");
    }

    [Theory]
    [InlineData("SSE_HEARTBEAT_SECONDS", "abc")]
    [InlineData("SSE_IDLE_TIMEOUT_SECONDS", "-1")]
    [InlineData("SSE_MAX_STREAM_SECONDS", "0")]
    [InlineData("SSE_PENDING_MESSAGE_SECONDS", "-1")]
    [InlineData("SSE_PENDING_MESSAGE_SECONDS", "soon")]
    [InlineData("SSE_PENDING_MESSAGE_SECONDS", "86401")]
    [InlineData("LOG_LEVEL", "VERBOSE")]
    [InlineData("CORS_ORIGINS", "not an origin")]
    [InlineData("SERVICEBUS_TOKEN_STREAMS_TOPIC", "bad topic!")]
    [InlineData("SERVICEBUS_CONNECTION_STRING", "garbage")]
    [InlineData("SERVICEBUS_TRANSPORT_TYPE", "Http")]
    [InlineData("SERVICEBUS_TRANSPORT_TYPE", "1")]
    public void Each_malformed_setting_gives_one_line_naming_it(string setting, string value)
    {
        var settings = new Dictionary<string, string?> { ["SERVICEBUS_FULLY_QUALIFIED_NAMESPACE"] = "chat.servicebus.windows.net", [setting] = value };

        var (_, problems) = Read(settings);

        problems.Should().ContainSingle().Which.Should().StartWith(setting);
    }

    [Fact]
    public void A_connection_string_is_never_echoed_in_a_problem()
    {
        var (_, problems) = Read(new() { ["SERVICEBUS_CONNECTION_STRING"] = "SharedAccessKey=supersecret" });

        problems.Should().ContainSingle().Which.Should().NotContain("supersecret");
    }

    [Fact]
    public void Stream_token_settings_and_limits_are_read()
    {
        var key = new byte[32];
        key[0] = 1;
        var previous = new byte[48];
        var (options, problems) = Read(new()
        {
            ["SERVICEBUS_CONNECTION_STRING"] = ConnectionString,
            ["SSE_STREAM_TOKEN_SIGNING_KEY"] = Convert.ToBase64String(key),
            ["SSE_STREAM_TOKEN_SIGNING_KEY_PREVIOUS"] = Convert.ToBase64String(previous),
            ["SSE_STREAM_TOKEN_ISSUER"] = "chat-backend",
            ["SSE_STREAM_TOKEN_AUDIENCE"] = "sse-service",
            ["SSE_MAX_STREAMS"] = "2000",
            ["SSE_MAX_SESSIONS"] = "1500",
        });

        problems.Should().BeEmpty();
        options.StreamTokenSigningKeys.Should().HaveCount(2);
        options.StreamTokenSigningKeys[0].Should().Equal(key);
        options.StreamTokenSigningKeys[1].Should().Equal(previous);
        options.StreamTokenIssuer.Should().Be("chat-backend");
        options.StreamTokenAudience.Should().Be("sse-service");
        options.MaxStreams.Should().Be(2000);
        options.MaxSessions.Should().Be(1500);
    }

    [Fact]
    public void Without_token_and_limit_settings_streams_are_open_and_the_limits_are_the_defaults()
    {
        var (options, problems) = Read(new() { ["SERVICEBUS_CONNECTION_STRING"] = ConnectionString });

        problems.Should().BeEmpty();
        options.StreamTokenSigningKeys.Should().BeEmpty();
        options.MaxSessions.Should().Be(5_000);
        options.MaxStreams.Should().Be(StreamLimitDefaults.ForMemory(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes));
        StreamLimitDefaults.ForMemory(2L << 30).Should().Be(32_768, "half of 2 GB at 32 KB per stream");
        StreamLimitDefaults.ForMemory(1L << 20).Should().Be(100, "the floor");
    }

    [Theory]
    [InlineData("SSE_STREAM_TOKEN_SIGNING_KEY", "not base64 at all!", "base64")]
    [InlineData("SSE_STREAM_TOKEN_SIGNING_KEY", "a2tra2tra2tra2tra2tra2tra2tra2tra2tra2traw==", "at least 32 bytes")]
    [InlineData("SSE_STREAM_TOKEN_SIGNING_KEY", "@Microsoft.KeyVault(SecretUri=https://kv.vault.azure.net/secrets/sse/)", "base64")]
    [InlineData("SSE_MAX_STREAMS", "0", "at least 1")]
    [InlineData("SSE_MAX_SESSIONS", "many", "at least 1")]
    public void A_bad_token_or_limit_setting_gives_one_line_naming_it_without_the_value(string setting, string value, string reason)
    {
        var (_, problems) = Read(new() { ["SERVICEBUS_CONNECTION_STRING"] = ConnectionString, [setting] = value });

        var problem = problems.Should().ContainSingle().Which;
        problem.Should().StartWith(setting).And.Contain(reason);
        if (setting.Contains("KEY"))
        {
            problem.Should().NotContain(value);
        }
    }

    [Theory]
    [InlineData("SSE_STREAM_TOKEN_SIGNING_KEY_PREVIOUS")]
    [InlineData("SSE_STREAM_TOKEN_ISSUER")]
    [InlineData("SSE_STREAM_TOKEN_AUDIENCE")]
    public void A_token_setting_without_the_signing_key_fails_rather_than_leaving_streams_open(string setting)
    {
        var (_, problems) = Read(new() { ["SERVICEBUS_CONNECTION_STRING"] = ConnectionString, [setting] = Convert.ToBase64String(new byte[32]) });

        problems.Should().ContainSingle().Which.Should().StartWith(setting).And.Contain("SSE_STREAM_TOKEN_SIGNING_KEY is not");
    }

    private static (SseStreamingOptions Options, IReadOnlyList<string> Problems) Read(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var options = new SseStreamingOptions();
        var problems = SseStreamingOptionsReader.Read(configuration, options);
        return (options, problems);
    }
}
