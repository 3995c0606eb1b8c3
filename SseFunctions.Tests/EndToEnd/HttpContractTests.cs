using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SseFunctions.Tests.Support;

namespace SseFunctions.Tests.EndToEnd;

public abstract class HttpContractTests(TestHostKind host)
{
    /// <summary>A broker and this class's host, with the test's settings.</summary>
    private Task<StreamingServer> StartServerAsync(Dictionary<string, string?>? settings = null) =>
        StreamingServer.StartAsync(settings, host: host);

    [Theory]
    [InlineData("/api/stream/%C3%A9t%C3%A9/m1")]
    [InlineData("/api/stream/s1/has%20space")]
    [InlineData("/api/stream/s1/a%2Fb")]
    [InlineData("/api/stream/s1/%2E%2E")]
    [InlineData("/api/stream/s1/..")]
    [InlineData("/api/stream/s1/a/b")]
    [InlineData("/api/stream//m1")]
    [InlineData("/api/stream/s1")]
    public async Task Bad_ids_get_400_json_never_a_stream(string path)
    {
        await using var server = await StartServerAsync();

        using var response = await server.Http.GetAsync(path);

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, path);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString().Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task An_id_longer_than_128_characters_gets_400()
    {
        await using var server = await StartServerAsync();

        using var response = await server.Http.GetAsync($"/api/stream/{new string('a', 129)}/m1");

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).Should().Contain("longer than 128");
    }

    [Fact]
    public async Task Health_is_the_seeds_exact_body()
    {
        await using var server = await StartServerAsync();

        using var response = await server.Http.GetAsync("/health");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await response.Content.ReadAsStringAsync()).Should().Be("""{"status":"healthy","service":"sse-service"}""");
    }

    [Fact]
    public async Task Health_does_not_touch_service_bus()
    {
        await using var server = await StartServerAsync();
        await server.Broker.SuspendAsync();

        using var response = await server.Http.GetAsync("/health");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        await server.Broker.ResumeAsync();
    }

    [Fact]
    public async Task Allowed_origins_get_cors_headers_and_others_are_refused()
    {
        await using var server = await StartServerAsync(new() { ["CORS_ORIGINS"] = "https://chat.example.com" });
        var (session, message) = StreamingTests.NewIds();

        await using (var allowed = await server.ConnectAsync(session, message, origin: "https://chat.example.com"))
        {
            allowed.Response.StatusCode.Should().Be(HttpStatusCode.OK);
            allowed.Response.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal("https://chat.example.com");
            allowed.Response.Headers.Vary.Should().Contain("Origin");
        }

        await using var denied = await server.ConnectAsync(session, message, origin: "https://evil.example.com");
        denied.Response.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        denied.Response.Headers.Contains("Access-Control-Allow-Origin").Should().BeFalse();
    }

    [Fact]
    public async Task Preflight_is_answered_for_allowed_origins_only()
    {
        await using var server = await StartServerAsync(new() { ["CORS_ORIGINS"] = "https://chat.example.com" });

        using var allowed = await server.Http.SendAsync(Preflight("https://chat.example.com"));
        using var denied = await server.Http.SendAsync(Preflight("https://evil.example.com"));

        allowed.StatusCode.Should().Be(HttpStatusCode.NoContent);
        allowed.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal("https://chat.example.com");
        allowed.Headers.GetValues("Access-Control-Allow-Methods").Single().Should().Contain("GET");
        allowed.Headers.GetValues("Access-Control-Allow-Headers").Single().Should().Be("Last-Event-ID, Authorization, Cache-Control",
            "only the headers a stream uses, whatever the preflight asks for");
        denied.Headers.Contains("Access-Control-Allow-Origin").Should().BeFalse();
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData("1.5")]
    [InlineData("1e3")]
    [InlineData("0x10")]
    [InlineData("99999999999999999999")]
    [InlineData("1, 2")]
    public async Task A_Last_Event_ID_that_is_not_a_plain_non_negative_integer_is_ignored(string lastEventId)
    {
        await using var server = await StreamingServer.StartAsync();
        var (session, message) = StreamingTests.NewIds();
        await server.Publisher.SendTokensAsync(session, message, "a", "b");
        await server.Publisher.SendEndAsync(session, message);

        await using var stream = await StreamAccessTests.OpenAsync(server, StreamAccessTests.Path(session, message), lastEventId: lastEventId);

        (await stream.ReadToEndAsync()).Select(e => e.Data).Should().Equal("{\"token\":\"a\"}", "{\"token\":\"b\"}", "__END__");
    }

    [Fact]
    public async Task A_wildcard_allows_any_origin()
    {
        await using var server = await StartServerAsync(new() { ["CORS_ORIGINS"] = "*" });
        var request = new HttpRequestMessage(HttpMethod.Get, "/health");
        request.Headers.Add("Origin", "https://anywhere.example.com");

        using var response = await server.Http.SendAsync(request);

        response.Headers.GetValues("Access-Control-Allow-Origin").Should().Equal("*");
    }

    [Fact]
    public async Task Missing_service_bus_settings_stop_the_host_naming_the_settings()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["SSE_HEARTBEAT_SECONDS"] = "soon" });
        builder.Services.AddSseStreaming(builder.Configuration);
        using var host = builder.Build();

        var start = () => host.StartAsync();

        var failure = (await start.Should().ThrowAsync<OptionsValidationException>()).Which;
        failure.Failures.Should().HaveCount(2);
        failure.Failures.Should().Contain(f => f.Contains("SERVICEBUS_CONNECTION_STRING") && f.Contains("SERVICEBUS_FULLY_QUALIFIED_NAMESPACE"));
        failure.Failures.Should().Contain(f => f.StartsWith("SSE_HEARTBEAT_SECONDS"));
    }

    private static HttpRequestMessage Preflight(string origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, $"/api/stream/{Guid.NewGuid()}/{Guid.NewGuid()}");
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "GET");
        request.Headers.Add("Access-Control-Request-Headers", "last-event-id, x-anything");
        return request;
    }
}
