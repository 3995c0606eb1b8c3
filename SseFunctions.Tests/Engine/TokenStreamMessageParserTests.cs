using System.Text;
using SseFunctions.Streaming.Messages;

namespace SseFunctions.Tests.Engine;

public class TokenStreamMessageParserTests
{
    [Fact]
    public void Reads_a_token_message_of_the_llm_worker()
    {
        Parse("""{"sessionId": "s1", "chatMessageId": "m1", "token": "Hel"}""").Should().Be(TokenStreamMessage.Token("m1", "Hel"));
    }

    [Fact]
    public void Reads_the_end_marker()
    {
        Parse("""{"sessionId": "s1", "chatMessageId": "m1", "end_of_stream": true}""").Should().Be(TokenStreamMessage.EndOfStream("m1"));
    }

    [Fact]
    public void Reads_a_producer_error()
    {
        Parse("""{"chatMessageId": "m1", "error": "model overloaded"}""").Should().Be(TokenStreamMessage.Error("m1", "model overloaded"));
    }

    [Fact]
    public void Ignores_unknown_properties_and_keeps_unicode_tokens()
    {
        Parse("""{"extra": {"nested": [1, 2]}, "chatMessageId": "m1", "token": "🚀\n\"", "end_of_stream": false}""")
            .Should().Be(TokenStreamMessage.Token("m1", "🚀\n\""));
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[1,2]", "not a JSON object")]
    [InlineData("", "not valid JSON")]
    [InlineData("""{"token": "x"}""", "chatMessageId is missing")]
    [InlineData("""{"chatMessageId": "", "token": "x"}""", "chatMessageId is missing")]
    [InlineData("""{"chatMessageId": 5, "token": "x"}""", "chatMessageId is not a string")]
    [InlineData("""{"chatMessageId": "m", "token": 5}""", "token is not a string")]
    [InlineData("""{"chatMessageId": "m", "token": {"a": 1}}""", "token is not a string")]
    [InlineData("""{"chatMessageId": "m", "end_of_stream": "yes"}""", "end_of_stream is not a boolean")]
    [InlineData("""{"chatMessageId": "m"}""", "neither token")]
    [InlineData("""{"chatMessageId": "m", "token": "x"} trailing""", "not valid JSON")]
    [InlineData("""{"chatMessageId": "m", "token": "x"}{}""", "not valid JSON")]
    public void Refuses_malformed_bodies_with_a_reason(string body, string reason)
    {
        TokenStreamMessageParser.TryParse(Encoding.UTF8.GetBytes(body), out var message, out var error).Should().BeFalse();
        message.Should().BeNull();
        error.Should().Contain(reason);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFE }, "not valid UTF-8")]
    [InlineData(new byte[] { (byte)'{', (byte)'"', 0xC3, (byte)'"', (byte)':', (byte)'1', (byte)'}' }, "not valid UTF-8")]
    public void Refuses_bodies_that_are_not_UTF8(byte[] body, string reason)
    {
        TokenStreamMessageParser.TryParse(body, out var message, out var error).Should().BeFalse();
        message.Should().BeNull();
        error.Should().Contain(reason);
    }

    [Fact]
    public void Refuses_a_token_encoding_a_surrogate_half_in_UTF8()
    {
        // U+D83D written as three UTF-8 bytes (CESU-style): not UTF-8, whatever the JSON around it.
        var body = Encoding.UTF8.GetBytes("""{"chatMessageId": "m", "token": "#"}""").ToList();
        var at = body.IndexOf((byte)'#');
        body.RemoveAt(at);
        body.InsertRange(at, [0xED, 0xA0, 0xBD]);

        TokenStreamMessageParser.TryParse(body.ToArray(), out _, out var error).Should().BeFalse();
        error.Should().Contain("not valid UTF-8");
    }

    [Theory]
    [InlineData("""{"chatMessageId": "m", "token": "\ud83d"}""", "token is not valid text")]
    [InlineData("""{"chatMessageId": "m", "token": "cut \ude00 here"}""", "token is not valid text")]
    [InlineData("""{"chatMessageId": "m", "error": "\ud83d"}""", "error is not valid text")]
    [InlineData("""{"chatMessageId": "\ud83d", "token": "x"}""", "chatMessageId is not valid text")]
    public void Refuses_a_lone_surrogate_escape_in_a_field_it_reads(string body, string reason)
    {
        TokenStreamMessageParser.TryParse(Encoding.UTF8.GetBytes(body), out var message, out var error).Should().BeFalse();
        message.Should().BeNull();
        error.Should().Contain(reason);
    }

    [Fact]
    public void Reads_a_whole_emoji_sent_as_an_escaped_surrogate_pair()
    {
        Parse("""{"chatMessageId": "m", "token": "\ud83d\ude80"}""").Should().Be(TokenStreamMessage.Token("m", "🚀"));
    }

    [Fact]
    public void Ignores_what_it_does_not_read_even_a_lone_surrogate_there()
    {
        Parse("""{"sessionId": "\ud83d", "chatMessageId": "m", "token": "ok"}""").Should().Be(TokenStreamMessage.Token("m", "ok"));
    }

    [Fact]
    public void Reads_a_body_with_a_UTF8_byte_order_mark()
    {
        TokenStreamMessageParser.TryParse([0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("""{"chatMessageId": "m", "token": "x"}""")], out var message, out _).Should().BeTrue();
        message.Should().Be(TokenStreamMessage.Token("m", "x"));
    }

    [Theory]
    [InlineData("""{"chatMessageId": "m", "token": "x", "error": null}""")]
    [InlineData("""{"chatMessageId": "m", "token": "x", "end_of_stream": null}""")]
    public void Reads_null_as_absent(string body)
    {
        Parse(body).Should().Be(TokenStreamMessage.Token("m", "x"));
    }

    [Theory]
    [InlineData("""{"chatMessageId": null, "token": "x"}""", "chatMessageId is missing")]
    [InlineData("""{"chatMessageId": "m", "token": null}""", "neither token")]
    [InlineData("""{"chatMessageId": "m", "token": ["x"]}""", "token is not a string")]
    [InlineData("""{"chatMessageId": "m", "token": true}""", "token is not a string")]
    [InlineData("""{"chatMessageId": "m", "error": 503}""", "error is not a string")]
    [InlineData("""{"chatMessageId": "m", "end_of_stream": 1}""", "end_of_stream is not a boolean")]
    [InlineData("""{"chatMessageId": "a b", "token": "x"}""", "chatMessageId may contain only")]
    [InlineData("""{"chatMessageId": "..", "token": "x"}""", "chatMessageId cannot be made of dots only")]
    [InlineData("""{"chatMessageId": "m", "token": "x", "extra": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}""", "not valid JSON")]
    [InlineData("""{"chatMessageId": "m", "token": "x" """, "not valid JSON")]
    [InlineData("null", "not a JSON object")]
    [InlineData("\"token\"", "not a JSON object")]
    public void Refuses_wrong_types_bad_ids_and_broken_json(string body, string reason)
    {
        TokenStreamMessageParser.TryParse(Encoding.UTF8.GetBytes(body), out var message, out var error).Should().BeFalse();
        message.Should().BeNull();
        error.Should().Contain(reason);
    }

    [Fact]
    public void Refuses_a_chat_message_id_longer_than_a_stream_url_takes()
    {
        TokenStreamMessageParser.TryParse(Encoding.UTF8.GetBytes($$"""{"chatMessageId": "{{new string('m', 129)}}", "token": "x"}"""), out _, out var error).Should().BeFalse();
        error.Should().Contain("longer than 128");
    }

    [Fact]
    public void Never_throws_whatever_the_bytes()
    {
        var random = new Random(20261201);
        byte[][] seeds =
        [
            Encoding.UTF8.GetBytes("""{"sessionId": "s", "chatMessageId": "m-1", "token": "Hel\u00e9\ud83d\ude80"}"""),
            Encoding.UTF8.GetBytes("""{"chatMessageId": "m", "end_of_stream": true, "extra": {"a": [1, 2.5e300, null]}}"""),
            Encoding.UTF8.GetBytes("""{"chatMessageId": "m", "error": "\"quoted\" \\ é"}"""),
        ];
        for (var i = 0; i < 20_000; i++)
        {
            var body = seeds[i % seeds.Length].ToArray();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                body[random.Next(body.Length)] = (byte)random.Next(256);
            }

            var cut = random.Next(2) == 0 ? body : body[..random.Next(body.Length + 1)];
            var parsed = TokenStreamMessageParser.TryParse(cut, out var message, out var error);
            (parsed ? message is not null && error is null : message is null && !string.IsNullOrEmpty(error)).Should().BeTrue(Convert.ToHexString(cut));
        }
    }

    private static TokenStreamMessage Parse(string body)
    {
        TokenStreamMessageParser.TryParse(Encoding.UTF8.GetBytes(body), out var message, out var error).Should().BeTrue(error);
        return message!;
    }
}
