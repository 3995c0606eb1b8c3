using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SseFunctions.Tests.Support;

namespace SseFunctions.Tests.Access;

/// <summary>The host's loggers, as <c>AddSseStreaming</c> leaves them: tokens masked whatever the provider.</summary>
public class RedactingLoggerTests
{
    private const string Token = "eyJhbGciOiJIUzI1NiJ9.eyJzZXNzaW9uSWQiOiJzIn0.c2lnbmF0dXJl";

    [Fact]
    public void Messages_structured_values_and_exceptions_are_masked()
    {
        var (host, logs) = Host();
        using (host)
        {
            var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics");

            logger.LogInformation("Request starting {Method} {Path}{QueryString}", "GET", "/api/stream/s/m", $"?access_token={Token}");
            logger.LogInformation("Target {Uri}", new Uri($"http://h/api/stream/s/m?ACCESS_TOKEN={Token}"));
            logger.LogError(new InvalidOperationException($"bad request /api/stream/s/m?access_token={Token}"), "Failed");

            logs.AllText.Should().NotContain(Token).And.NotContain("c2lnbmF0dXJl");
            logs.Lines.Should().Contain(line => line.Contains("?access_token=***") && line.Contains("QueryString=?access_token=***"));
            logs.Lines.Should().Contain(line => line.Contains("ACCESS_TOKEN=***"));
            logs.Lines.Should().Contain(line => line.Contains("System.InvalidOperationException: bad request /api/stream/s/m?access_token=***"));
        }
    }

    [Fact]
    public void Entries_without_a_token_keep_their_state()
    {
        var (host, logs) = Host();
        using (host)
        {
            var logger = host.Services.GetRequiredService<ILogger<RedactingLoggerTests>>();

            logger.LogInformation("Stream ended: {Outcome} after {TokenCount} tokens", "end", 3);

            logs.Lines.Should().Contain(line => line.Contains("Stream ended: end after 3 tokens [Outcome=end, TokenCount=3"));
        }
    }

    private static (IHost Host, LogCapture Logs) Host()
    {
        var logs = new LogCapture();
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["SERVICEBUS_FULLY_QUALIFIED_NAMESPACE"] = "chat.servicebus.windows.net" });
        builder.Logging.ClearProviders().AddProvider(logs);
        builder.Services.AddSseStreaming(builder.Configuration);
        return (builder.Build(), logs);
    }
}
