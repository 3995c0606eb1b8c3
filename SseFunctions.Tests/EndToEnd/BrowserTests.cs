using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using SseFunctions.DevServer;

namespace SseFunctions.Tests.EndToEnd;

/// <summary>Debian's Chromium, driven by Playwright, uses the demo page's EventSource as a person would.</summary>
public class BrowserTests
{
    private const string Chromium = "/usr/bin/chromium";

    [Fact]
    public async Task The_demo_page_renders_the_whole_streamed_answer()
    {
        File.Exists(Chromium).Should().BeTrue("the browser test needs Debian's chromium (./test.sh installs it when run as root)");
        await using var server = await DevServerApp.StartAsync([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
        });
        server.Services.GetRequiredService<DemoProducer>().TokenDelay = TimeSpan.FromMilliseconds(5);
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var page = await browser.NewPageAsync();
        const string Prompt = "Stream me a reply, please";

        await page.GotoAsync(server.BaseAddress.ToString());
        await page.FillAsync("#prompt", Prompt);
        await page.ClickAsync("#send");
        await page.WaitForSelectorAsync("body[data-state=done]", new() { Timeout = 20_000 });

        (await page.TextContentAsync("#answer")).Should().Be(DemoProducer.Answer(Prompt));
        (await page.TextContentAsync("#status")).Should().Be("Done.");
    }
}
