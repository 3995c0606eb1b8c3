using System.Net;
using System.Text.Json;
using Azure.Messaging.ServiceBus;
using SseFunctions.Tests.Support;

namespace SseFunctions.Tests.EndToEnd;

/// <summary>The stream contract over a real host (the DevServer, and the Functions app under the local Functions host), a
/// real LocalServiceBus and a real SSE parser.</summary>
public abstract class StreamingTests(TestHostKind host)
{
    /// <summary>A broker and this class's host, with the test's settings.</summary>
    private Task<StreamingServer> StartServerAsync(Dictionary<string, string?>? settings = null) =>
        StreamingServer.StartAsync(settings, host: host);

    [Fact]
    public async Task Streams_tokens_with_sequence_ids_then_END_and_completes_them()
    {
        await using var server = await StartServerAsync();
        var (session, message) = NewIds();
        await using var stream = await server.ConnectAsync(session, message);

        stream.Response.StatusCode.Should().Be(HttpStatusCode.OK);
        stream.Response.Content.Headers.ContentType!.ToString().Should().Be("text/event-stream; charset=utf-8");
        stream.Response.Headers.CacheControl!.NoCache.Should().BeTrue();
        stream.Response.Headers.GetValues("X-Accel-Buffering").Should().Equal("no");
        var preamble = await stream.ReadAsync();
        preamble!.Comment.Should().Be("connected");
        (await stream.ReadAsync())!.Comment.Should().Be("keep-alive");
        stream.Retry.Should().Be(3000);

        await server.Publisher.SendTokensAsync(session, message, "Hel", "lo", " world");
        await server.Publisher.SendEndAsync(session, message);
        var events = await stream.ReadToEndAsync();

        events.Select(e => e.Data).Should().Equal("{\"token\":\"Hel\"}", "{\"token\":\"lo\"}", "{\"token\":\" world\"}", "__END__");
        var ids = events.Take(3).Select(e => long.Parse(e.Id!)).ToArray();
        ids.Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
        await Eventually.TrueAsync(() => server.Broker.ActiveMessageCount(StreamingServer.Subscription) == 0
            && server.Broker.LockedMessageCount(StreamingServer.Subscription) == 0
            && !server.Broker.IsSessionLocked(StreamingServer.Subscription, session));
    }

    [Fact]
    public async Task Tokens_with_quotes_backslashes_newlines_emoji_and_control_characters_arrive_intact()
    {
        await using var server = await StartServerAsync();
        var (session, message) = NewIds();
        string[] tokens = ["say \"hi\"", "C:\\path\\", "two\nlines\r\n", "🚀 é 中文", "\u0000\u0001\u001b[31m", "\u2028", "data: __END__"];
        await using var stream = await server.ConnectAsync(session, message);

        await server.Publisher.SendTokensAsync(session, message, tokens);
        await server.Publisher.SendEndAsync(session, message);
        var events = await stream.ReadToEndAsync();

        events[..^1].Select(e => JsonDocument.Parse(e.Data!).RootElement.GetProperty("token").GetString()).Should().Equal(tokens);
        events[^1].Data.Should().Be("__END__");
    }

    [Fact]
    public async Task A_producer_error_ends_the_stream_with_an_error_frame()
    {
        await using var server = await StartServerAsync();
        var (session, message) = NewIds();
        await using var stream = await server.ConnectAsync(session, message);

        await server.Publisher.SendTokensAsync(session, message, "partial");
        await server.Publisher.SendErrorAsync(session, message, "model overloaded");
        var events = await stream.ReadToEndAsync();

        events.Select(e => e.Data).Should().Equal("{\"token\":\"partial\"}", "{\"error\":\"model overloaded\"}");
    }

    [Fact]
    public async Task Heartbeats_keep_an_idle_stream_open_until_the_idle_timeout_ends_it()
    {
        // A heartbeat every second; the exact times are the engine tests' (ChatMessageStreamTests), on a fake clock.
        await using var server = await StartServerAsync(new() { ["SSE_IDLE_TIMEOUT_SECONDS"] = "5" });
        var (session, message) = NewIds();
        await using var stream = await server.ConnectAsync(session, message);

        var items = new List<SseEvent>();
        while (await stream.ReadAsync() is { } item)
        {
            items.Add(item);
        }

        items.Count(i => i.Comment == "keep-alive").Should().BeGreaterThanOrEqualTo(2);
        items[^1].Data.Should().Contain("\"error\"").And.Contain("No token arrived for 5 seconds");
        await Eventually.TrueAsync(() => !server.Broker.IsSessionLocked(StreamingServer.Subscription, session));
    }

    [Fact]
    public async Task Interleaved_chat_messages_of_one_session_reach_their_own_streams()
    {
        await using var server = await StartServerAsync();
        var session = Guid.NewGuid().ToString();
        var (first, second) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        await using var firstStream = await server.ConnectAsync(session, first);
        await using var secondStream = await server.ConnectAsync(session, second);
        (await firstStream.ReadAsync())!.Comment.Should().Be("connected");
        (await secondStream.ReadAsync())!.Comment.Should().Be("connected");

        for (var i = 0; i < 5; i++)
        {
            await server.Publisher.SendTokensAsync(session, first, $"a{i}");
            await server.Publisher.SendTokensAsync(session, second, $"b{i}");
        }

        await server.Publisher.SendEndAsync(session, first);
        await server.Publisher.SendEndAsync(session, second);

        var firstEvents = await firstStream.ReadToEndAsync();
        var secondEvents = await secondStream.ReadToEndAsync();
        firstEvents.Select(e => e.Data).Should().Equal([.. Enumerable.Range(0, 5).Select(i => $"{{\"token\":\"a{i}\"}}"), "__END__"]);
        secondEvents.Select(e => e.Data).Should().Equal([.. Enumerable.Range(0, 5).Select(i => $"{{\"token\":\"b{i}\"}}"), "__END__"]);
    }

    [Fact]
    public async Task Last_Event_ID_resumes_after_the_tokens_the_client_already_has()
    {
        await using var server = await StartServerAsync();
        var (session, message) = NewIds();
        await server.Publisher.SendTokensAsync(session, message, "one", "two");

        long secondId;
        await using (var first = await server.ConnectAsync(session, message))
        {
            (await first.ReadDataAsync()).Data.Should().Be("{\"token\":\"one\"}");
            secondId = long.Parse((await first.ReadDataAsync()).Id!);
        }

        // Once the service has seen the client leave, the browser reconnects saying it has "two".
        await Eventually.TrueAsync(() => !server.Broker.IsSessionLocked(StreamingServer.Subscription, session));
        await server.Publisher.SendTokensAsync(session, message, "three");
        await server.Publisher.SendEndAsync(session, message);
        await using var resumed = await server.ConnectAsync(session, message, lastEventId: secondId);

        (await resumed.ReadToEndAsync()).Select(e => e.Data).Should().Equal("{\"token\":\"three\"}", "__END__");
    }

    [Fact]
    public async Task A_client_that_leaves_releases_the_session_at_once_and_the_tokens_published_after_stay()
    {
        await using var server = await StartServerAsync();
        var (session, message) = NewIds();
        var stream = await server.ConnectAsync(session, message);
        await server.Publisher.SendTokensAsync(session, message, "seen");
        (await stream.ReadDataAsync()).Data.Should().Be("{\"token\":\"seen\"}");
        await Eventually.TrueAsync(() => server.Broker.IsSessionLocked(StreamingServer.Subscription, session));

        await stream.DisposeAsync();
        await Eventually.TrueAsync(() => !server.Broker.IsSessionLocked(StreamingServer.Subscription, session), "the session is released");

        await server.Publisher.SendTokensAsync(session, message, "unsent-1", "unsent-2");
        await Eventually.TrueAsync(() => server.Broker.ActiveMessageCount(StreamingServer.Subscription) == 2);
        (await server.ReceiveTokensLeftAsync(session, 2)).Should().Equal("unsent-1", "unsent-2");
    }

    [Fact]
    public async Task A_stream_waits_with_heartbeats_while_another_receiver_holds_the_session_then_gets_its_tokens()
    {
        await using var server = await StartServerAsync();
        var (session, message) = NewIds();
        var holder = await server.Client.AcceptSessionAsync(StreamingServer.Topic, "sse-service-token-streams", session);
        await server.Publisher.SendTokensAsync(session, message, "after the lock");
        await server.Publisher.SendEndAsync(session, message);

        await using var stream = await server.ConnectAsync(session, message);
        stream.Response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await stream.ReadAsync())!.Comment.Should().Be("connected");
        (await stream.ReadAsync(TimeSpan.FromSeconds(5)))!.Comment.Should().Be("keep-alive");

        await holder.DisposeAsync();
        (await stream.ReadToEndAsync()).Select(e => e.Data).Should().Equal("{\"token\":\"after the lock\"}", "__END__");
    }

    [Fact]
    public async Task The_stream_survives_a_short_broker_outage_without_losing_or_repeating_tokens()
    {
        await using var server = await StartServerAsync();
        var (session, message) = NewIds();
        await using var stream = await server.ConnectAsync(session, message);
        await server.Publisher.SendTokensAsync(session, message, "1", "2");
        (await stream.ReadDataAsync()).Data.Should().Be("{\"token\":\"1\"}");
        (await stream.ReadDataAsync()).Data.Should().Be("{\"token\":\"2\"}");

        await server.Broker.SuspendAsync();
        await Task.Delay(500);
        await server.Broker.ResumeAsync();
        await using var publisher = new TokenPublisher(new ServiceBusClient(server.Broker.ConnectionString).CreateSender(StreamingServer.Topic));
        await publisher.SendTokensAsync(session, message, "3");
        await publisher.SendEndAsync(session, message);

        (await stream.ReadToEndAsync(TimeSpan.FromSeconds(20))).Select(e => e.Data).Should().Equal("{\"token\":\"3\"}", "__END__");
    }

    [Fact]
    public async Task A_broker_down_when_the_request_arrives_gives_503_json()
    {
        await using var server = await StartServerAsync();
        await server.Broker.SuspendAsync();

        using var response = await server.Http.GetAsync($"/api/stream/{Guid.NewGuid()}/{Guid.NewGuid()}");

        response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString().Should().Contain("Service Bus");
        await server.Broker.ResumeAsync();
    }

    internal static (string Session, string Message) NewIds() => (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
}
