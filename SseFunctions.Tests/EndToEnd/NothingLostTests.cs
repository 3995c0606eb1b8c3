using System.Text;
using Azure.Messaging.ServiceBus;
using SseFunctions.Tests.Support;

namespace SseFunctions.Tests.EndToEnd;

/// <summary>
/// DESIGN §3–§5 under bad input and bad clients, over a real host (the DevServer, and the Functions app under the local
/// Functions host) and a real LocalServiceBus: what the subscription still holds is checked on the broker itself.
/// </summary>
public abstract class NothingLostTests(TestHostKind host)
{
    private const string SubscriptionName = "sse-service-token-streams";

    /// <summary>Tokens this big back a stream's writes up within a few of them once the client stops reading.</summary>
    private static readonly string Big = new('x', 200_000);

    private Task<StreamingServer> StartServerAsync(Dictionary<string, string?>? settings = null) =>
        StreamingServer.StartAsync(settings, host: host);

    [Fact]
    public async Task A_chat_message_whose_stream_connects_late_gets_every_token_published_before_it()
    {
        await using var server = await StartServerAsync();
        var (session, first) = StreamingTests.NewIds();
        var late = Guid.NewGuid().ToString();
        await using var firstStream = await server.ConnectAsync(session, first);
        (await firstStream.ReadAsync())!.Comment.Should().Be("connected");

        await server.Publisher.SendTokensAsync(session, late, "early", "bird");
        await server.Publisher.SendEndAsync(session, late);
        await Eventually.TrueAsync(() => server.Broker.LockedMessageCount(StreamingServer.Subscription) == 3, "the service holds the late stream's tokens, unsettled");
        await using var lateStream = await server.ConnectAsync(session, late);

        (await lateStream.ReadToEndAsync()).Select(e => e.Data).Should().Equal("{\"token\":\"early\"}", "{\"token\":\"bird\"}", "__END__");
        await server.Publisher.SendEndAsync(session, first);
        (await firstStream.ReadToEndAsync()).Select(e => e.Data).Should().Equal("__END__");
        await Eventually.TrueAsync(() => SubscriptionIsEmpty(server) && !server.Broker.IsSessionLocked(StreamingServer.Subscription, session));
    }

    [Fact]
    public async Task Tokens_of_a_chat_message_whose_stream_never_comes_are_dropped_after_the_pending_window_and_the_session_goes_on()
    {
        await using var server = await StartServerAsync(new() { ["SSE_PENDING_MESSAGE_SECONDS"] = "1" });
        var (session, message) = StreamingTests.NewIds();
        await using var stream = await server.ConnectAsync(session, message);
        (await stream.ReadAsync())!.Comment.Should().Be("connected");

        await server.Publisher.SendTokensAsync(session, "nobody-asks", "orphan 1", "orphan 2");
        await Eventually.TrueAsync(() => server.Broker.LockedMessageCount(StreamingServer.Subscription) == 2, "held first");
        await Eventually.TrueAsync(() => SubscriptionIsEmpty(server), "completed and dropped once the window is over, with the stream still open");

        await server.Publisher.SendTokensAsync(session, message, "mine");
        await server.Publisher.SendEndAsync(session, message);
        (await stream.ReadToEndAsync()).Select(e => e.Data).Should().Equal("{\"token\":\"mine\"}", "__END__");
    }

    [Fact]
    public async Task Every_kind_of_unreadable_message_is_dead_lettered_with_its_reason_and_the_stream_goes_on()
    {
        await using var server = await StartServerAsync();
        var (session, message) = StreamingTests.NewIds();
        await using var stream = await server.ConnectAsync(session, message);
        (string Description, Func<Task> Send)[] unreadable =
        [
            ("not valid JSON", () => server.Publisher.SendRawAsync(session, "not json at all")),
            ("not a JSON object", () => server.Publisher.SendRawAsync(session, """["token"]""")),
            ("chatMessageId is missing", () => server.Publisher.SendRawAsync(session, """{"token": "no chat message id"}""")),
            ("token is not a string", () => server.Publisher.SendRawAsync(session, $$"""{"chatMessageId": "{{message}}", "token": 42}""")),
            ("lone surrogate", () => server.Publisher.SendRawAsync(session, $$"""{"chatMessageId": "{{message}}", "token": "cut mid-emoji \ud83d"}""")),
            ("not valid UTF-8", () => server.Publisher.SendBytesAsync(session, [.. Encoding.UTF8.GetBytes($$"""{"chatMessageId": "{{message}}", "token": """), 0x22, 0xC3, 0x28, 0x22, 0x7D])),
            ("chatMessageId may contain only", () => server.Publisher.SendRawAsync(session, """{"chatMessageId": "<script>", "token": "x"}""")),
            ("AMQP value section", () => server.Publisher.SendAmqpValueAsync(session, $$"""{"chatMessageId": "{{message}}", "token": "as a value"}""")),
        ];

        await server.Publisher.SendTokensAsync(session, message, "before");
        foreach (var (_, send) in unreadable)
        {
            await send();
        }

        await server.Publisher.SendTokensAsync(session, message, "after");
        await server.Publisher.SendEndAsync(session, message);

        (await stream.ReadToEndAsync()).Select(e => e.Data).Should().Equal("{\"token\":\"before\"}", "{\"token\":\"after\"}", "__END__");
        await Eventually.TrueAsync(() => server.Broker.DeadLetterMessageCount(StreamingServer.Subscription) == unreadable.Length && SubscriptionIsEmpty(server));
        await using var deadLetters = server.Client.CreateReceiver(StreamingServer.Topic, SubscriptionName, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
        var dead = await deadLetters.ReceiveMessagesAsync(unreadable.Length, TimeSpan.FromSeconds(5));
        dead.Select(m => m.DeadLetterReason).Should().AllBe("MalformedTokenMessage");
        dead.Select(m => m.DeadLetterErrorDescription).Should().SatisfyRespectively(unreadable.Select(u => new Action<string>(d => d.Should().Contain(u.Description))));
    }

    [Fact]
    public async Task A_client_that_resets_its_connection_with_tokens_in_flight_loses_none_it_was_not_sent()
    {
        await using var server = await StartServerAsync();
        var (session, message) = StreamingTests.NewIds();
        await using var client = await RawStreamClient.ConnectAsync(server.Http.BaseAddress!, $"/api/stream/{session}/{message}");
        await server.Publisher.SendTokensAsync(session, message, "seen");
        await client.ReadUntilAsync("\"seen\"");

        // The client stops reading; 20 MB of answer are published, more than every buffer on the way holds.
        const int count = 100;
        for (var i = 0; i < count; i++)
        {
            await server.Publisher.SendTokensAsync(session, message, $"{i:D3}:{Big}");
        }

        await Eventually.TrueAsync(() => server.Broker.LockedMessageCount(StreamingServer.Subscription) > 0, "tokens are in flight: received by the service, not completed");
        client.Reset();

        await Eventually.TrueAsync(() => !server.Broker.IsSessionLocked(StreamingServer.Subscription, session), "the session is released");
        var sent = await TokensFlushedAsync(server);
        sent.Should().BeLessThan(count + 1, "the client left with tokens in flight");
        var remaining = await server.ReceiveTokensLeftAsync(session, count + 1 - sent);
        remaining.Select(token => token[..3]).Should().Equal(Enumerable.Range(sent - 1, count + 1 - sent).Select(i => $"{i:D3}"),
            "every token the service had not flushed stays in the subscription, in order");
        SubscriptionIsEmpty(server).Should().BeTrue("and nothing else: what was flushed was completed");
    }

    [Fact]
    public async Task A_client_that_never_reads_is_ended_by_the_write_deadline_and_its_session_released_while_its_connection_is_open()
    {
        await using var server = await StartServerAsync();
        var (session, message) = StreamingTests.NewIds();
        await using var client = await RawStreamClient.ConnectAsync(server.Http.BaseAddress!, $"/api/stream/{session}/{message}");
        await Eventually.TrueAsync(() => server.Broker.IsSessionLocked(StreamingServer.Subscription, session), "the stream holds its session");

        for (var i = 0; i < 100; i++)
        {
            await server.Publisher.SendTokensAsync(session, message, $"{i:D3}:{Big}");
        }

        await Eventually.TrueAsync(() => !server.Broker.IsSessionLocked(StreamingServer.Subscription, session), "the stream ends at the write deadline (1 s here) and releases its session", TimeSpan.FromSeconds(30));
        var sent = await TokensFlushedAsync(server);
        await Eventually.TrueAsync(() => server.Broker.ActiveMessageCount(StreamingServer.Subscription) == 100 - sent, "what it could not send, and only that, stays in the subscription",
            describe: () => $"{server.Broker.ActiveMessageCount(StreamingServer.Subscription)} left, {sent} sent");
        (await client.WaitUntilClosedByServerAsync(TimeSpan.FromSeconds(20))).Should().BeTrue("the connection the service could not write to is aborted");
    }

    private static readonly System.Text.RegularExpressions.Regex EndedLine = new(@"Stream ended: [a-z-]+ after (\d+) tokens");

    /// <summary>How many token events the stream flushed, from its "Stream ended: ... after N tokens" line (on either host).</summary>
    private static async Task<int> TokensFlushedAsync(StreamingServer server)
    {
        string? count = null;
        await Eventually.TrueAsync(() => (count = server.Logs.Lines.Select(line => EndedLine.Match(line)).FirstOrDefault(match => match.Success)?.Groups[1].Value) is not null, "the stream logs its end");
        return int.Parse(count!, System.Globalization.CultureInfo.InvariantCulture);
    }

    private static bool SubscriptionIsEmpty(StreamingServer server) =>
        server.Broker.ActiveMessageCount(StreamingServer.Subscription) == 0 && server.Broker.LockedMessageCount(StreamingServer.Subscription) == 0;
}
