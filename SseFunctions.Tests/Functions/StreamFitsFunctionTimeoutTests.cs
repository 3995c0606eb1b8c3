using SseFunctions.Configuration;
using SseFunctions.Streaming.Configuration;

namespace SseFunctions.Tests.Functions;

public class StreamFitsFunctionTimeoutTests
{
    [Theory]
    [InlineData("""{"functionTimeout": "00:30:00"}""", 900, true)]
    [InlineData("""{"functionTimeout": "00:15:00"}""", 900, false)]
    [InlineData("""{"functionTimeout": "00:10:00"}""", 900, false)]
    [InlineData("""{"FunctionTimeout": "01:00:00"}""", 3599, true)]
    [InlineData("""{"functionTimeout": "-1"}""", 86400, true)]
    [InlineData("""{"version": "2.0"}""", 1799, true)]
    [InlineData("""{"version": "2.0"}""", 1800, false)]
    public void The_longest_stream_must_end_before_the_host_cancels_it(string hostJson, double maxStreamSeconds, bool valid)
    {
        var check = new StreamFitsFunctionTimeout(() => hostJson);

        var result = check.Validate(null, new SseStreamingOptions { MaxStreamDuration = TimeSpan.FromSeconds(maxStreamSeconds) });

        result.Succeeded.Should().Be(valid);
        if (!valid)
        {
            result.FailureMessage.Should().StartWith("SSE_MAX_STREAM_SECONDS").And.Contain("functionTimeout");
        }
    }

    [Fact]
    public void An_unreadable_function_timeout_is_reported_by_name() =>
        new StreamFitsFunctionTimeout(() => """{"functionTimeout": "half an hour"}""").Validate(null, new SseStreamingOptions())
            .FailureMessage.Should().Contain("functionTimeout");

    [Fact]
    public void Without_a_host_json_there_is_nothing_to_check() =>
        new StreamFitsFunctionTimeout(() => null).Validate(null, new SseStreamingOptions()).Succeeded.Should().BeTrue();
}
