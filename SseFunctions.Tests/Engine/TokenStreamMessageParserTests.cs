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

    private static TokenStreamMessage Parse(string body)
    {
        TokenStreamMessageParser.TryParse(Encoding.UTF8.GetBytes(body), out var message, out var error).Should().BeTrue(error);
        return message!;
    }
}
