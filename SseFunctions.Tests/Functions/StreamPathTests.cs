namespace SseFunctions.Tests.Functions;

public class StreamPathTests
{
    [Theory]
    [InlineData("s1/m1", "s1", "m1")]
    [InlineData("a%2Fb/m1", "a%2Fb", "m1")]
    public void Two_non_empty_segments_are_the_ids(string path, string sessionId, string chatMessageId)
    {
        StreamPath.TryParse(path, out var session, out var message).Should().BeTrue();

        (session, message).Should().Be((sessionId, chatMessageId));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("s1")]
    [InlineData("s1/")]
    [InlineData("/m1")]
    [InlineData("s1/m1/extra")]
    [InlineData("s1//m1")]
    public void Anything_else_is_a_malformed_path(string? path) =>
        StreamPath.TryParse(path, out _, out _).Should().BeFalse();
}
