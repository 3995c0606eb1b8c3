using SseFunctions.Streaming.Access.Redaction;

namespace SseFunctions.Tests.Access;

public class AccessTokenRedactorTests
{
    [Theory]
    [InlineData("GET http://h/api/stream/s/m?access_token=eyJ.a.b - 200", "GET http://h/api/stream/s/m?access_token=*** - 200")]
    [InlineData("?x=1&access_token=eyJ.a.b&y=2", "?x=1&access_token=***&y=2")]
    [InlineData("?ACCESS_TOKEN=eyJ.a.b", "?ACCESS_TOKEN=***")]
    [InlineData("?access%5Ftoken=eyJ.a.b", "?access%5Ftoken=***")]
    [InlineData("?%61ccess_token=eyJ.a.b", "?%61ccess_token=***")]
    [InlineData("access_token=eyJ.a.b", "access_token=***")]
    [InlineData("url: /s/m?access_token=eyJ.a.b\nnext", "url: /s/m?access_token=***\nnext")]
    public void Masks_every_spelling_of_the_parameter(string text, string expected)
    {
        AccessTokenRedactor.Redact(text).Should().Be(expected);
    }

    [Theory]
    [InlineData("?refresh_token=abc&token=def")]
    [InlineData("Stream ended: end after 3 tokens")]
    [InlineData("?session=abc%20def")]
    public void Leaves_everything_else_alone(string text)
    {
        AccessTokenRedactor.Redact(text).Should().Be(text);
    }
}
