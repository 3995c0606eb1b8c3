using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using SseFunctions.DevServer;
using SseFunctions.Tests.Support;

namespace SseFunctions.Tests.EndToEnd;

/// <summary>Debian's Chromium, driven by Playwright, uses an EventSource as a person's browser would: the DevServer's demo
/// page, and a stream through the Functions app under the local Functions host.</summary>
public class BrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task The_demo_page_renders_the_whole_streamed_answer(bool signedStreams)
    {
        var requests = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var server = await DevServerApp.StartAsync([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            if (signedStreams)
            {
                builder.Configuration["SSE_STREAM_TOKEN_SIGNING_KEY"] = Support.StreamTokens.Setting(Support.StreamTokens.NewKey());
            }

            builder.Logging.ClearProviders();
        });
        server.Services.GetRequiredService<DemoProducer>().TokenDelay = TimeSpan.FromMilliseconds(5);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchChromiumAsync(playwright);
        var page = await browser.NewPageAsync();
        page.Request += (_, request) => requests.Enqueue(request.Url);
        const string Prompt = "Stream me a reply, please";

        await page.GotoAsync(server.BaseAddress.ToString());
        await page.FillAsync("#prompt", Prompt);
        await page.ClickAsync("#send");
        await page.WaitForSelectorAsync("body[data-state=done]", new() { Timeout = 20_000 });

        (await page.TextContentAsync("#answer")).Should().Be(DemoProducer.Answer(Prompt));
        (await page.TextContentAsync("#status")).Should().Be("Done.");
        var stream = requests.Single(url => url.Contains("/api/stream/"));
        if (signedStreams)
        {
            stream.Should().Contain("?access_token=ey", "the page streamed with the token the DevServer signed for it");
        }
        else
        {
            stream.Should().NotContain("access_token");
        }
    }

    [Fact]
    public async Task An_EventSource_streams_an_answer_through_the_real_Functions_worker()
    {
        await using var server = await StreamingServer.StartAsync(host: TestHostKind.Functions);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await LaunchChromiumAsync(playwright);
        var page = await browser.NewPageAsync();
        var (session, message) = StreamingTests.NewIds();
        string[] tokens = ["Through ", "the ", "worker ", "🚀"];

        await page.GotoAsync(new Uri(server.Host.BaseAddress, "/health").ToString());
        var answer = page.EvaluateAsync<string>(
            """
            path => new Promise((resolve, reject) => {
              const tokens = [];
              const source = new EventSource(path);
              source.onmessage = event => {
                if (event.data === "__END__") { source.close(); resolve(tokens.join("")); return; }
                const frame = JSON.parse(event.data);
                if (frame.error) { source.close(); reject(new Error(frame.error)); return; }
                tokens.push(frame.token);
              };
            })
            """,
            $"/api/stream/{session}/{message}");
        await Eventually.TrueAsync(() => server.Broker.IsSessionLocked(StreamingServer.Subscription, session), "the browser's stream holds its session");
        await server.Publisher.SendTokensAsync(session, message, tokens);
        await server.Publisher.SendEndAsync(session, message);

        (await answer).Should().Be(string.Concat(tokens));
    }

    private static async Task<IBrowser> LaunchChromiumAsync(IPlaywright playwright)
    {
        File.Exists(Chromium).Should().BeTrue("the browser test needs Debian's chromium (./test.sh installs it when run as root)");
        return await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }
}
