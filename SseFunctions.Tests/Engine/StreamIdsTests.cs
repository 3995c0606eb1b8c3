using SseFunctions.Streaming.Http;

namespace SseFunctions.Tests.Engine;

public class StreamIdsTests
{
    [Theory]
    [InlineData("3f2504e0-4f89-11d3-9a0c-0305e82c3301")]
    [InlineData("a")]
    [InlineData("chat:42_v1.2")]
    public void Accepts_ids_of_the_allowed_characters(string id) => StreamIds.Validate("sessionId", id).Should().BeNull();

    [Fact]
    public void Accepts_128_characters_and_refuses_129()
    {
        StreamIds.Validate("sessionId", new string('a', 128)).Should().BeNull();
        StreamIds.Validate("sessionId", new string('a', 129)).Should().Contain("longer than 128");
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("a/b")]
    [InlineData("a b")]
    [InlineData("é")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("a%2Fb")]
    [InlineData("<script>")]
    public void Refuses_everything_else_naming_the_id(string? id) => StreamIds.Validate("chatMessageId", id).Should().StartWith("chatMessageId");
}
