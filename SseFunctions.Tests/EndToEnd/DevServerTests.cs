using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using SseFunctions.DevServer;
using SseFunctions.Tests.Support;

namespace SseFunctions.Tests.EndToEnd;

public class DevServerTests
{
    [Fact]
    public async Task With_no_settings_it_embeds_a_local_service_bus_and_streams_the_demo_answer()
    {
        await using var server = await DevServerApp.StartAsync([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
        });
        server.Services.GetRequiredService<DemoProducer>().TokenDelay = TimeSpan.FromMilliseconds(1);
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        server.LocalServiceBus.Should().NotBeNull();

        using var page = await http.GetAsync("/");
        page.Content.Headers.ContentType!.MediaType.Should().Be("text/html");
        (await page.Content.ReadAsStringAsync()).Should().Contain("new EventSource(");

        using var post = await http.PostAsJsonAsync("/api/demo/chat", new { sessionId = "demo-session", prompt = "Why is the sky blue?" });
        post.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var started = (await post.Content.ReadFromJsonAsync<DemoChatStarted>())!;
        started.StreamUrl.Should().Be($"/api/stream/demo-session/{started.ChatMessageId}");

        using var response = await http.GetAsync(started.StreamUrl, HttpCompletionOption.ResponseHeadersRead);
        await using var stream = new SseConnection(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
        var events = await stream.ReadToEndAsync();
        var text = string.Concat(events[..^1].Select(e => System.Text.Json.JsonDocument.Parse(e.Data!).RootElement.GetProperty("token").GetString()));
        text.Should().Be(DemoProducer.Answer("Why is the sky blue?"));
        events[^1].Data.Should().Be("__END__");
    }

    [Fact]
    public async Task The_demo_endpoint_refuses_a_bad_request_with_json()
    {
        await using var server = await StartEmbeddedAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        using var response = await http.PostAsJsonAsync("/api/demo/chat", new { sessionId = "bad/id", prompt = "x" });

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("sessionId");
    }

    [Fact]
    public async Task Pointed_at_a_service_bus_of_its_settings_the_demo_does_not_exist()
    {
        await using var server = await StreamingServer.StartAsync();

        using var page = await server.Http.GetAsync("/");
        using var chat = await server.Http.PostAsJsonAsync("/api/demo/chat", new { sessionId = "s1", prompt = "x" });

        server.App.DemoEnabled.Should().BeFalse();
        page.StatusCode.Should().Be(HttpStatusCode.NotFound);
        chat.StatusCode.Should().Be(HttpStatusCode.NotFound, "the demo producer would publish into a real namespace");
    }

    [Fact]
    public async Task The_demo_switch_turns_the_demo_on_against_a_service_bus_of_its_settings()
    {
        await using var broker = await SseFunctions.LocalServiceBus.LocalServiceBusHost.StartAsync(new() { Port = 0 });
        await using var server = await DevServerApp.StartAsync([DevServerApp.DemoSwitch], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration["SERVICEBUS_CONNECTION_STRING"] = broker.ConnectionString;
            builder.Logging.ClearProviders();
        });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        using var chat = await http.PostAsJsonAsync("/api/demo/chat", new { sessionId = "s1", prompt = "x" });

        server.LocalServiceBus.Should().BeNull();
        chat.StatusCode.Should().Be(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task With_a_signing_key_the_demo_signs_stream_tokens_for_the_answers_it_started_and_no_others()
    {
        await using var server = await StartEmbeddedAsync(new() { ["SSE_STREAM_TOKEN_SIGNING_KEY"] = StreamTokens.Setting(StreamTokens.NewKey()) });
        using var http = new HttpClient { BaseAddress = server.BaseAddress };
        using var post = await http.PostAsJsonAsync("/api/demo/chat", new { sessionId = "demo-session", prompt = "Hi" });
        var started = (await post.Content.ReadFromJsonAsync<DemoChatStarted>())!;
        started.AccessTokenUrl.Should().Be(DevServerApp.DemoTokenPath);

        using var unsigned = await http.GetAsync(started.StreamUrl);
        using var forged = await http.PostAsJsonAsync(DevServerApp.DemoTokenPath, new { sessionId = "demo-session", chatMessageId = "someone-elses" });
        using var issued = await http.PostAsJsonAsync(DevServerApp.DemoTokenPath, new { sessionId = "demo-session", chatMessageId = started.ChatMessageId });
        var token = (await issued.Content.ReadFromJsonAsync<DemoStreamToken>())!;
        using var response = await http.GetAsync($"{started.StreamUrl}?access_token={token.AccessToken}", HttpCompletionOption.ResponseHeadersRead);
        await using var stream = new SseConnection(response, new StreamReader(await response.Content.ReadAsStreamAsync()));

        unsigned.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        forged.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        issued.Headers.CacheControl!.NoStore.Should().BeTrue();
        token.ExpiresAt.Should().BeCloseTo(DateTimeOffset.UtcNow.AddSeconds(900), TimeSpan.FromMinutes(1));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await stream.ReadToEndAsync())[^1].Data.Should().Be("__END__");
    }

    [Fact]
    public async Task Without_a_signing_key_the_demo_has_no_token_endpoint()
    {
        await using var server = await StartEmbeddedAsync();
        using var http = new HttpClient { BaseAddress = server.BaseAddress };

        using var post = await http.PostAsJsonAsync("/api/demo/chat", new { sessionId = "demo-session", prompt = "Hi" });
        using var token = await http.PostAsJsonAsync(DevServerApp.DemoTokenPath, new { sessionId = "demo-session", chatMessageId = "x" });

        (await post.Content.ReadFromJsonAsync<DemoChatStarted>())!.AccessTokenUrl.Should().BeNull();
        token.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    internal static async Task<DevServerApp> StartEmbeddedAsync(Dictionary<string, string?>? settings = null)
    {
        var server = await DevServerApp.StartAsync([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(settings ?? []);
            builder.Logging.ClearProviders();
        });
        server.Services.GetRequiredService<DemoProducer>().TokenDelay = TimeSpan.FromMilliseconds(1);
        return server;
    }

    [Fact]
    public async Task A_malformed_setting_stops_the_process_with_one_line_naming_it()
    {
        var devServer = Path.Combine(AppContext.BaseDirectory, "SseFunctions.DevServer.dll");
        var start = new ProcessStartInfo("dotnet", [devServer, "--urls", "http://127.0.0.1:0"])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            Environment =
            {
                ["SERVICEBUS_CONNECTION_STRING"] = "Endpoint=sb://127.0.0.1:1;SharedAccessKeyName=k;SharedAccessKey=do-not-print-me;UseDevelopmentEmulator=true",
                ["SSE_IDLE_TIMEOUT_SECONDS"] = "forever",
            },
        };

        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);

        process.ExitCode.Should().Be(1);
        (await stderr).Trim().Should().StartWith("error: SSE_IDLE_TIMEOUT_SECONDS").And.NotContain("\n");
        ((await stderr) + (await stdout)).Should().NotContain("do-not-print-me");
    }

    [Theory]
    [InlineData("this is not base64, it is a passphrase")]
    [InlineData("c2hvcnQ=")]
    public async Task A_bad_signing_key_stops_the_host_with_one_line_naming_the_setting_and_not_the_value(string key)
    {
        await using var broker = await SseFunctions.LocalServiceBus.LocalServiceBusHost.StartAsync(new() { Port = 0 });
        var start = () => StreamingServer.StartAsync(new() { ["SSE_STREAM_TOKEN_SIGNING_KEY"] = key }, broker: broker);

        var failure = (await start.Should().ThrowAsync<Microsoft.Extensions.Options.OptionsValidationException>()).Which;

        failure.Failures.Should().ContainSingle().Which.Should().StartWith("SSE_STREAM_TOKEN_SIGNING_KEY must").And.NotContain(key);
    }
}
