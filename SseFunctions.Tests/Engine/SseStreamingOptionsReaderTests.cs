using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using SseFunctions.Streaming.Configuration;

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

    private static (SseStreamingOptions Options, IReadOnlyList<string> Problems) Read(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var options = new SseStreamingOptions();
        var problems = SseStreamingOptionsReader.Read(configuration, options);
        return (options, problems);
    }
}
