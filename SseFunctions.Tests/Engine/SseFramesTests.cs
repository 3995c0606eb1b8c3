using System.Buffers;
using System.Text;
using System.Text.Json;
using SseFunctions.Streaming.Sse;

namespace SseFunctions.Tests.Engine;

public class SseFramesTests
{
    [Fact]
    public void Token_frame_has_the_sequence_number_as_id_and_a_json_data_line()
    {
        Write(o => SseFrames.WriteToken(o, 42, "Hel")).Should().Be("id: 42\ndata: {\"token\":\"Hel\"}\n\n");
    }

    [Theory]
    [InlineData("quote \" and backslash \\")]
    [InlineData("line\nbreak\r\nand\rcarriage")]
    [InlineData("emoji 🚀 and accents éß 中文")]
    [InlineData("control \u0000\u0001\u001f and \u2028\u2029")]
    [InlineData("<script>&amp;'+`")]
    [InlineData("")]
    public void Any_token_survives_as_a_single_data_line(string token)
    {
        var frame = Write(o => SseFrames.WriteToken(o, 7, token));

        var lines = frame.Split('\n');
        lines.Should().HaveCount(4, "id, data, and the blank line that ends the event");
        lines[0].Should().Be("id: 7");
        lines[1].Should().StartWith("data: ");
        lines[2].Should().BeEmpty();
        JsonDocument.Parse(lines[1]["data: ".Length..]).RootElement.GetProperty("token").GetString().Should().Be(token);
    }

    [Fact]
    public void End_error_heartbeat_and_preamble_frames()
    {
        Write(SseFrames.WriteEnd).Should().Be("data: __END__\n\n");
        Write(o => SseFrames.WriteError(o, "boom \"x\"")).Should().Be("data: {\"error\":\"boom \\\"x\\\"\"}\n\n");
        Write(SseFrames.WriteHeartbeat).Should().Be(": keep-alive\n\n");
        Write(o => SseFrames.WritePreamble(o, TimeSpan.FromSeconds(3))).Should().Be(": connected\nretry: 3000\n\n");
    }

    [Fact]
    public void Frames_written_together_form_consecutive_events()
    {
        var text = Write(o =>
        {
            SseFrames.WriteToken(o, 1, "a");
            SseFrames.WriteToken(o, 2, "b");
            SseFrames.WriteEnd(o);
        });

        text.Should().Be("id: 1\ndata: {\"token\":\"a\"}\n\nid: 2\ndata: {\"token\":\"b\"}\n\ndata: __END__\n\n");
    }

    private static string Write(Action<IBufferWriter<byte>> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        write(buffer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
