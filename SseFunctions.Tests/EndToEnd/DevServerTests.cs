using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Hosting;
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
        await using var server = await StreamingServer.StartAsync();

        using var response = await server.Http.PostAsJsonAsync("/api/demo/chat", new { sessionId = "bad/id", prompt = "x" });

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("sessionId");
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
}
