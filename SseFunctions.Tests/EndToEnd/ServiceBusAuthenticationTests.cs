using System.Net;
using System.Text.Json;
using Azure.Messaging.ServiceBus;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SseFunctions.DevServer;
using SseFunctions.LocalServiceBus;
using SseFunctions.Tests.Support;

namespace SseFunctions.Tests.EndToEnd;

/// <summary>The SDK's SAS authentication against LocalServiceBus, with every log line of the service and the SDK kept.</summary>
public sealed class ServiceBusAuthenticationTests : IAsyncDisposable
{
    private readonly CapturingLoggerProvider logs = new();
    private LocalServiceBusHost? broker;

    [Fact]
    public async Task A_wrong_key_gives_503_naming_Unauthorized_and_no_log_line_carries_the_key()
    {
        broker = await LocalServiceBusHost.StartAsync(new LocalServiceBusOptions { Port = 0 });
        const string wrongKey = "V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5V3JvbmdLZXk=";
        await using var app = await StartAsync(broker.ConnectionString.Replace(LocalServiceBusOptions.DevelopmentKey, wrongKey));
        using var http = new HttpClient { BaseAddress = app.BaseAddress };

        using var response = await http.GetAsync($"/api/stream/{Guid.NewGuid()}/{Guid.NewGuid()}");

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString().Should().Contain("Unauthorized");
        logs.AllText.Should().NotContain(wrongKey).And.NotContain("sig=");
    }

    [Fact]
    public async Task A_stream_with_the_SDK_logging_at_debug_logs_no_key_and_no_signature()
    {
        broker = await LocalServiceBusHost.StartAsync(new LocalServiceBusOptions { Port = 0 });
        await using var app = await StartAsync(broker.ConnectionString);
        using var http = new HttpClient { BaseAddress = app.BaseAddress };
        await using var client = new ServiceBusClient(broker.ConnectionString);
        await using var publisher = new TokenPublisher(client.CreateSender(StreamingServer.Topic));
        var (session, message) = StreamingTests.NewIds();

        using var response = await http.GetAsync($"/api/stream/{session}/{message}", HttpCompletionOption.ResponseHeadersRead);
        await using var stream = new SseConnection(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
        await publisher.SendTokensAsync(session, message, "hello");
        await publisher.SendEndAsync(session, message);
        (await stream.ReadToEndAsync()).Select(e => e.Data).Should().Equal("{\"token\":\"hello\"}", "__END__");

        logs.Lines.Should().Contain(line => line.Contains("Azure.Messaging.ServiceBus"), "the SDK's own events reach the log");
        logs.AllText.Should().NotContain(LocalServiceBusOptions.DevelopmentKey).And.NotContain("sig=");
    }

    public async ValueTask DisposeAsync()
    {
        if (broker is not null)
        {
            await broker.DisposeAsync();
        }
    }

    private Task<DevServerApp> StartAsync(string connectionString) => DevServerApp.StartAsync([], builder =>
    {
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["SERVICEBUS_CONNECTION_STRING"] = connectionString,
            ["LOG_LEVEL"] = "DEBUG",
            ["Logging:LogLevel:Azure.Messaging.ServiceBus"] = "Debug",
            ["Logging:LogLevel:Azure.Core"] = "Debug",
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddProvider(logs);
    });
}
