using Microsoft.AspNetCore.Http;
using SseFunctions.Streaming.Access;

namespace SseFunctions.Tests.Access;

public class StreamTokenReaderTests
{
    [Theory]
    [InlineData("?access_token=abc", null, "abc")]
    [InlineData("?ACCESS_TOKEN=abc", null, "abc")]
    [InlineData("?access%5Ftoken=abc", null, "abc")]
    [InlineData("", "Bearer abc", "abc")]
    [InlineData("", "bearer abc", "abc")]
    [InlineData("", "Basic abc", null)]
    [InlineData("?other=1", null, null)]
    public void Reads_the_query_parameter_or_the_bearer_header(string query, string? authorization, string? expected)
    {
        var token = StreamTokenReader.Read(Request(query, authorization), out var ambiguous);

        token.Should().Be(expected);
        ambiguous.Should().BeFalse();
    }

    [Theory]
    [InlineData("?access_token=a", "Bearer b")]
    [InlineData("?access_token=a&access_token=b", null)]
    public void Two_tokens_are_ambiguous(string query, string? authorization)
    {
        StreamTokenReader.Read(Request(query, authorization), out var ambiguous).Should().BeNull();
        ambiguous.Should().BeTrue();
    }

    private static HttpRequest Request(string query, string? authorization)
    {
        var context = new DefaultHttpContext();
        context.Request.QueryString = new QueryString(query);
        if (authorization is not null)
        {
            context.Request.Headers.Authorization = authorization;
        }

        return context.Request;
    }
}
