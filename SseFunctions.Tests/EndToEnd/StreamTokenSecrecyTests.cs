using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using SseFunctions.Tests.Support;

namespace SseFunctions.Tests.EndToEnd;

/// <summary>A stream token never reaches a log line, a trace or a metric, however the client spells it.</summary>
public class StreamTokenSecrecyTests
{
    [Theory]
    [InlineData(TestHostKind.DevServer)]
    [InlineData(TestHostKind.Functions)]
    public async Task No_token_appears_in_the_logs_traces_or_metrics_of_a_whole_run(TestHostKind host)
    {
        var traces = new ConcurrentQueue<string>();
        using var activities = new ActivityListener
        {
            ShouldListenTo = _ => true,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => traces.Enqueue(
                $"{activity.Source.Name} {activity.OperationName} {activity.DisplayName} {string.Join(",", activity.TagObjects.Select(t => $"{t.Key}={t.Value}"))} "
                + string.Join(",", activity.Baggage.Select(b => $"{b.Key}={b.Value}"))),
        };
        ActivitySource.AddActivityListener(activities);
        var metricTags = new ConcurrentQueue<string>();
        using var meters = new MeterListener { InstrumentPublished = (instrument, listener) => listener.EnableMeasurementEvents(instrument) };
        meters.SetMeasurementEventCallback<long>((instrument, _, tags, _) => metricTags.Enqueue(Tags(instrument, tags)));
        meters.SetMeasurementEventCallback<int>((instrument, _, tags, _) => metricTags.Enqueue(Tags(instrument, tags)));
        meters.SetMeasurementEventCallback<double>((instrument, _, tags, _) => metricTags.Enqueue(Tags(instrument, tags)));
        meters.Start();

        var tokens = new List<string>();
        await using (var server = await StreamAccessTests.Start(new() { ["LOG_LEVEL"] = "DEBUG" }, host))
        {
            var (session, message) = StreamingTests.NewIds();
            var valid = Remember(tokens, StreamTokens.Mint(StreamAccessTests.Key, session, message));
            await server.Publisher.SendTokensAsync(session, message, "a");
            await server.Publisher.SendEndAsync(session, message);
            await using (var stream = await StreamAccessTests.OpenAsync(server, StreamAccessTests.Path(session, message, valid)))
            {
                (await stream.ReadToEndAsync()).Should().HaveCount(2);
            }

            var (other, otherMessage) = StreamingTests.NewIds();
            var header = Remember(tokens, StreamTokens.Mint(StreamAccessTests.Key, other, otherMessage));
            await server.Publisher.SendEndAsync(other, otherMessage);
            await using (var stream = await StreamAccessTests.OpenAsync(server, StreamAccessTests.Path(other, otherMessage), bearer: header))
            {
                (await stream.ReadToEndAsync()).Should().HaveCount(1);
            }

            string[] refused =
            [
                $"?access_token={Remember(tokens, StreamTokens.Mint(StreamTokens.NewKey(), session, message))}",
                $"?ACCESS_TOKEN={Remember(tokens, StreamTokens.Mint(StreamAccessTests.Key, session, message, expiresIn: TimeSpan.FromMinutes(-5)))}",
                $"?x=1&access_token={Remember(tokens, "eyJhbGciOiJIUzI1NiJ9.bm90LWpzb24.c2lnbmF0dXJlLW9mLW5vdGhpbmc")}&y=2",
                $"?access_token={valid}&access_token={valid}",
            ];
            foreach (var query in refused)
            {
                using var response = await server.Http.GetAsync($"/api/stream/{session}/{message}{query}");
                response.StatusCode.Should().BeOneOf(HttpStatusCode.Unauthorized, HttpStatusCode.BadRequest);
                (await response.Content.ReadAsStringAsync()).Should().NotContainAny(tokens);
            }

            using (var badPath = await server.Http.GetAsync($"/api/stream/{session}?access_token={valid}"))
            {
                badPath.StatusCode.Should().Be(HttpStatusCode.BadRequest);
            }

            // HttpClient would decode %5F to '_': a raw request sends the name as a client may spell it.
            var encoded = Remember(tokens, StreamTokens.Mint(StreamAccessTests.Key, session, "elsewhere"));
            (await RawGetAsync(server, $"/api/stream/{session}/{message}?access%5Ftoken={encoded}")).Should()
                .StartWith("HTTP/1.1 401").And.Contain("it is for another stream").And.NotContain(encoded);

            const int Requests = 8;
            await Eventually.TrueAsync(() => server.Logs.Lines.Count(line => line.Contains("Request finished")) >= Requests);
            var log = server.Logs.AllText;
            log.Should().Contain("Request starting HTTP/1.1 GET").And.Contain("?access_token=***").And.Contain("?ACCESS_TOKEN=***")
                .And.Contain("?access%5Ftoken=***", "the hosting's request lines were captured, masked");
            log.Should().NotContainAny(tokens).And.NotContainAny(tokens.Select(Signature));
        }

        traces.Should().NotBeEmpty();
        string.Join("\n", traces).Should().NotContainAny(tokens).And.NotContainAny(tokens.Select(Signature));
        string.Join("\n", metricTags).Should().NotContainAny(tokens).And.NotContainAny(tokens.Select(Signature));
    }

    private static async Task<string> RawGetAsync(StreamingServer server, string pathAndQuery)
    {
        var address = server.Http.BaseAddress!;
        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(address.Host, address.Port);
        await using var stream = client.GetStream();
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"GET {pathAndQuery} HTTP/1.1\r\nHost: {address.Authority}\r\nConnection: close\r\n\r\n"));
        return await new StreamReader(stream).ReadToEndAsync();
    }

    private static string Remember(List<string> tokens, string token)
    {
        tokens.Add(token);
        return token;
    }

    private static string Signature(string token) => token[(token.LastIndexOf('.') + 1)..];

    private static string Tags(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var text = instrument.Name;
        foreach (var tag in tags)
        {
            text += $" {tag.Key}={tag.Value}";
        }

        return text;
    }
}
