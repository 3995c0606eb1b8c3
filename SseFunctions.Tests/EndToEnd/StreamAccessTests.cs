using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using SseFunctions.Tests.Support;

namespace SseFunctions.Tests.EndToEnd;

/// <summary>Who may read a stream: signed stream tokens over a real Kestrel and LocalServiceBus.</summary>
public abstract class StreamAccessTests(TestHostKind host)
{
    internal static readonly byte[] Key = StreamTokens.NewKey();

    public enum Attempt
    {
        NoToken,
        Expired,
        WrongKey,
        OtherChatMessage,
        OtherSession,
        NotYetValid,
        Malformed,
    }

    [Theory]
    [InlineData(Attempt.NoToken, "Bearer")]
    [InlineData(Attempt.Expired, "Bearer error=\"invalid_token\", error_description=\"it has expired\"")]
    [InlineData(Attempt.WrongKey, "Bearer error=\"invalid_token\", error_description=\"its signature is not valid\"")]
    [InlineData(Attempt.OtherChatMessage, "Bearer error=\"invalid_token\", error_description=\"it is for another stream\"")]
    [InlineData(Attempt.OtherSession, "Bearer error=\"invalid_token\", error_description=\"it is for another stream\"")]
    [InlineData(Attempt.NotYetValid, "Bearer error=\"invalid_token\", error_description=\"it is not valid yet\"")]
    [InlineData(Attempt.Malformed, "Bearer error=\"invalid_token\", error_description=\"it is not a JWT\"")]
    public async Task A_refused_token_gets_401_json_with_a_bearer_challenge_before_service_bus_is_touched(Attempt attempt, string challenge)
    {
        await using var server = await Start(host: host);
        var (session, message) = StreamingTests.NewIds();
        await server.Broker.SuspendAsync();

        using var response = await server.Http.SendAsync(Request(Path(session, message, Token(attempt, session, message))));

        response.StatusCode.Should().Be(HttpStatusCode.Unauthorized, "Service Bus is down: any touch of it would give 503");
        response.Headers.WwwAuthenticate.ToString().Should().Be(challenge);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString().Should().NotBeNullOrEmpty();
        await server.Broker.ResumeAsync();
    }

    [Fact]
    public async Task A_refused_attempt_leaves_the_answer_in_the_subscription()
    {
        await using var server = await Start(host: host);
        var (session, message) = StreamingTests.NewIds();
        await server.Publisher.SendTokensAsync(session, message, "secret answer");

        await using var stream = await OpenAsync(server, Path(session, message, StreamTokens.Mint(StreamTokens.NewKey(), session, message)));

        stream.Response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        server.Broker.ActiveMessageCount(StreamingServer.Subscription).Should().Be(1);
        server.Broker.IsSessionLocked(StreamingServer.Subscription, session).Should().BeFalse();
    }

    [Fact]
    public async Task A_valid_token_in_the_url_streams_the_answer_and_serves_a_reconnect()
    {
        await using var server = await Start(host: host);
        var (session, message) = StreamingTests.NewIds();
        var url = Path(session, message, StreamTokens.Mint(Key, session, message));
        string firstId;

        await using (var stream = await OpenAsync(server, url))
        {
            stream.Response.StatusCode.Should().Be(HttpStatusCode.OK);
            await server.Publisher.SendTokensAsync(session, message, "Hel");
            firstId = (await stream.ReadDataAsync()).Id!;
        }

        await Eventually.TrueAsync(() => !server.Broker.IsSessionLocked(StreamingServer.Subscription, session));
        await server.Publisher.SendTokensAsync(session, message, "lo");
        await server.Publisher.SendEndAsync(session, message);
        await using var reconnect = await OpenAsync(server, url, lastEventId: firstId);
        (await reconnect.ReadToEndAsync()).Select(e => e.Data).Should().Equal("{\"token\":\"lo\"}", "__END__");
    }

    [Fact]
    public async Task A_valid_token_in_the_authorization_header_streams_the_answer()
    {
        await using var server = await Start(host: host);
        var (session, message) = StreamingTests.NewIds();
        await server.Publisher.SendTokensAsync(session, message, "a", "b");
        await server.Publisher.SendEndAsync(session, message);

        await using var stream = await OpenAsync(server, Path(session, message), bearer: StreamTokens.Mint(Key, session, message));

        stream.Response.StatusCode.Should().Be(HttpStatusCode.OK);
        (await stream.ReadToEndAsync()).Select(e => e.Data).Should().Equal("{\"token\":\"a\"}", "{\"token\":\"b\"}", "__END__");
    }

    [Fact]
    public async Task A_token_in_the_url_and_in_the_header_at_once_is_a_bad_request()
    {
        await using var server = await Start(host: host);
        var (session, message) = StreamingTests.NewIds();
        var token = StreamTokens.Mint(Key, session, message);

        await using var stream = await OpenAsync(server, Path(session, message, token), bearer: token);

        stream.Response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        stream.Response.Headers.WwwAuthenticate.ToString().Should().Contain("invalid_request");
    }

    [Fact]
    public async Task The_owners_stream_is_unaffected_by_refused_attempts_to_take_it_over()
    {
        await using var server = await Start(host: host);
        var (session, message) = StreamingTests.NewIds();
        await using var owner = await OpenAsync(server, Path(session, message, StreamTokens.Mint(Key, session, message)));
        await server.Publisher.SendTokensAsync(session, message, "one");
        (await owner.ReadDataAsync()).Data.Should().Be("{\"token\":\"one\"}");

        string?[] attempts =
        [
            null,
            StreamTokens.Mint(StreamTokens.NewKey(), session, message),
            StreamTokens.Mint(Key, session, "another-message"),
            StreamTokens.Mint(Key, session, message, expiresIn: TimeSpan.FromMinutes(-5)),
        ];
        foreach (var attempt in attempts)
        {
            await using var thief = await OpenAsync(server, Path(session, message, attempt), lastEventId: long.MaxValue.ToString());
            thief.Response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        await server.Publisher.SendTokensAsync(session, message, "two");
        await server.Publisher.SendEndAsync(session, message);
        (await owner.ReadToEndAsync()).Select(e => e.Data).Should().Equal("{\"token\":\"two\"}", "__END__");
    }

    [Fact]
    public async Task During_a_key_rotation_tokens_of_both_keys_are_accepted_and_after_it_only_the_new_ones()
    {
        var oldKey = StreamTokens.NewKey();
        var newKey = StreamTokens.NewKey();
        await using (var rotating = await StreamingServer.StartAsync(new()
        {
            ["SSE_STREAM_TOKEN_SIGNING_KEY"] = StreamTokens.Setting(newKey),
            ["SSE_STREAM_TOKEN_SIGNING_KEY_PREVIOUS"] = StreamTokens.Setting(oldKey),
        }, host: host))
        {
            (await StatusAsync(rotating, oldKey)).Should().Be(HttpStatusCode.OK);
            (await StatusAsync(rotating, newKey)).Should().Be(HttpStatusCode.OK);
            (await StatusAsync(rotating, StreamTokens.NewKey())).Should().Be(HttpStatusCode.Unauthorized);
        }

        await using var rotated = await StreamingServer.StartAsync(new() { ["SSE_STREAM_TOKEN_SIGNING_KEY"] = StreamTokens.Setting(newKey) }, host: host);
        (await StatusAsync(rotated, newKey)).Should().Be(HttpStatusCode.OK);
        (await StatusAsync(rotated, oldKey)).Should().Be(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_token_minted_with_PyJWT_as_the_chat_backend_does_is_accepted()
    {
        const string Python = "/usr/bin/python3";
        File.Exists(Python).Should().BeTrue("the interop test needs Debian's python3 with python3-jwt (./test.sh installs it when run as root)");
        await using var server = await Start(host: host);
        var (session, message) = StreamingTests.NewIds();
        var mint = new ProcessStartInfo(Python, ["-c", """
            import base64, os, sys, time, jwt
            key = base64.b64decode(os.environ["SSE_STREAM_TOKEN_SIGNING_KEY"])
            now = int(time.time())
            print(jwt.encode({"sessionId": sys.argv[1], "chatMessageId": sys.argv[2], "iat": now, "nbf": now, "exp": now + 900}, key, algorithm="HS256"))
            """, session, message])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["SSE_STREAM_TOKEN_SIGNING_KEY"] = StreamTokens.Setting(Key) },
        };
        using var python = Process.Start(mint)!;
        var token = (await python.StandardOutput.ReadToEndAsync()).Trim();
        await python.WaitForExitAsync();
        python.ExitCode.Should().Be(0, await python.StandardError.ReadToEndAsync());
        await server.Publisher.SendTokensAsync(session, message, "from python");
        await server.Publisher.SendEndAsync(session, message);

        await using var stream = await OpenAsync(server, Path(session, message, token));

        (await stream.ReadToEndAsync()).Select(e => e.Data).Should().Equal("{\"token\":\"from python\"}", "__END__");
    }

    [Fact]
    public async Task Without_a_signing_key_streams_are_open_and_start_up_warns_once()
    {
        await using var server = await StreamingServer.StartAsync(host: host);
        var (session, message) = StreamingTests.NewIds();

        await using var stream = await OpenAsync(server, Path(session, message));

        stream.Response.StatusCode.Should().Be(HttpStatusCode.OK);
        server.Logs.Lines.Where(line => line.StartsWith("Warning") && line.Contains("SSE_STREAM_TOKEN_SIGNING_KEY")).Should().ContainSingle();
    }

    [Fact]
    public async Task With_a_signing_key_start_up_does_not_warn()
    {
        await using var server = await Start(host: host);

        server.Logs.Lines.Should().NotContain(line => line.Contains("SSE_STREAM_TOKEN_SIGNING_KEY is not set"));
    }

    internal static Task<StreamingServer> Start(Dictionary<string, string?>? settings = null, TestHostKind host = TestHostKind.DevServer)
    {
        var values = new Dictionary<string, string?>(settings ?? []) { ["SSE_STREAM_TOKEN_SIGNING_KEY"] = StreamTokens.Setting(Key) };
        return StreamingServer.StartAsync(values, host: host);
    }

    internal static string Path(string session, string message, string? token = null) =>
        token is null ? $"/api/stream/{session}/{message}" : $"/api/stream/{session}/{message}?access_token={Uri.EscapeDataString(token)}";

    /// <summary>Opens a stream the way a client of the service would, with the header-borne extras a test needs.</summary>
    internal static async Task<SseConnection> OpenAsync(StreamingServer server, string url, string? bearer = null, string? lastEventId = null)
    {
        var response = await server.Http.SendAsync(Request(url, bearer, lastEventId), HttpCompletionOption.ResponseHeadersRead);
        return new SseConnection(response, new StreamReader(await response.Content.ReadAsStreamAsync()));
    }

    internal static HttpRequestMessage Request(string url, string? bearer = null, string? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (lastEventId is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        }

        return request;
    }

    private static string? Token(Attempt attempt, string session, string message) => attempt switch
    {
        Attempt.NoToken => null,
        Attempt.Expired => StreamTokens.Mint(Key, session, message, expiresIn: TimeSpan.FromMinutes(-2)),
        Attempt.WrongKey => StreamTokens.Mint(StreamTokens.NewKey(), session, message),
        Attempt.OtherChatMessage => StreamTokens.Mint(Key, session, Guid.NewGuid().ToString()),
        Attempt.OtherSession => StreamTokens.Mint(Key, Guid.NewGuid().ToString(), message),
        Attempt.NotYetValid => StreamTokens.Mint(Key, session, message, notBeforeIn: TimeSpan.FromMinutes(2)),
        Attempt.Malformed => "not-a-token",
        _ => throw new ArgumentOutOfRangeException(nameof(attempt)),
    };

    private static async Task<HttpStatusCode> StatusAsync(StreamingServer server, byte[] key)
    {
        var (session, message) = StreamingTests.NewIds();
        await using var stream = await OpenAsync(server, Path(session, message, StreamTokens.Mint(key, session, message)));
        return stream.Response.StatusCode;
    }
}
