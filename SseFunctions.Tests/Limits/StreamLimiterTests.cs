using Microsoft.Extensions.Logging.Abstractions;
using SseFunctions.Streaming.Limits;
using SseFunctions.Tests.Engine.Fakes;

namespace SseFunctions.Tests.Limits;

public class StreamLimiterTests
{
    [Fact]
    public void Streams_beyond_the_stream_limit_are_refused_until_one_ends()
    {
        using var meters = new TestMeterFactory();
        var limiter = new StreamLimiter(maxStreams: 2, maxSessions: 10, () => 0, meters, NullLogger<StreamLimiter>.Instance);

        var first = limiter.TryAdmit("s1", out _);
        var second = limiter.TryAdmit("s2", out _);
        var third = limiter.TryAdmit("s3", out var limit);

        first.Should().NotBeNull();
        second.Should().NotBeNull();
        third.Should().BeNull();
        limit.Should().Be("streams");
        first!.Dispose();
        first.Dispose();
        limiter.AdmittedStreams.Should().Be(1, "a second Dispose releases nothing more");
        limiter.TryAdmit("s3", out _).Should().NotBeNull();
    }

    [Fact]
    public void A_new_session_beyond_the_session_limit_is_refused_but_another_stream_of_a_held_session_is_not()
    {
        using var meters = new TestMeterFactory();
        var limiter = new StreamLimiter(maxStreams: 10, maxSessions: 1, () => 0, meters, NullLogger<StreamLimiter>.Instance);

        var first = limiter.TryAdmit("s1", out _)!;
        var sameSession = limiter.TryAdmit("s1", out _);
        var otherSession = limiter.TryAdmit("s2", out var limit);

        sameSession.Should().NotBeNull();
        otherSession.Should().BeNull();
        limit.Should().Be("sessions");
        first.Dispose();
        limiter.TryAdmit("s2", out _).Should().BeNull("s1 still has a stream");
        sameSession!.Dispose();
        limiter.TryAdmit("s2", out _).Should().NotBeNull();
    }

    [Fact]
    public void A_receiver_still_closing_counts_against_the_session_limit()
    {
        using var meters = new TestMeterFactory();
        var held = 1;
        var limiter = new StreamLimiter(maxStreams: 10, maxSessions: 1, () => held, meters, NullLogger<StreamLimiter>.Instance);

        limiter.TryAdmit("s2", out var limit).Should().BeNull();
        limit.Should().Be("sessions");
        held = 0;
        limiter.TryAdmit("s2", out _).Should().NotBeNull();
    }
}
