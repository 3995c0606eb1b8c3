using System.IO.Pipelines;
using System.Text;

namespace SseFunctions.Tests.Engine.Fakes;

/// <summary>The client's end of a stream written into a <see cref="Pipe"/>: whole SSE frames, read only when the test asks.</summary>
public sealed class PipeSseReader(PipeReader reader)
{
    private readonly StringBuilder text = new();
    private readonly Decoder decoder = Encoding.UTF8.GetDecoder();
    private bool completed;

    /// <summary>The next frame (without its blank line), waiting for it in real time up to <paramref name="timeout"/>.</summary>
    public async Task<string> ReadFrameAsync(TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(5));
        while (true)
        {
            if (TryTakeFrame(out var frame))
            {
                return frame;
            }

            if (completed)
            {
                throw new EndOfStreamException($"The stream ended; unread: '{text}'");
            }

            Append(await reader.ReadAsync(cancellation.Token));
        }
    }

    /// <summary>Whether a whole frame has been written and not read yet (reads what is there without waiting).</summary>
    public bool HasFrame()
    {
        if (!completed && reader.TryRead(out var result))
        {
            Append(result);
        }

        return text.ToString().Contains("\n\n", StringComparison.Ordinal);
    }

    /// <summary>Reads and throws away everything written so far.</summary>
    public void Drain()
    {
        HasFrame();
        text.Clear();
    }

    private void Append(ReadResult result)
    {
        foreach (var segment in result.Buffer)
        {
            var chars = new char[decoder.GetCharCount(segment.Span, flush: false)];
            decoder.GetChars(segment.Span, chars, flush: false);
            text.Append(chars);
        }

        reader.AdvanceTo(result.Buffer.End);
        completed = result.IsCompleted;
    }

    private bool TryTakeFrame(out string frame)
    {
        var all = text.ToString();
        var end = all.IndexOf("\n\n", StringComparison.Ordinal);
        frame = end < 0 ? string.Empty : all[..end];
        if (end >= 0)
        {
            text.Remove(0, end + 2);
        }

        return end >= 0;
    }
}
