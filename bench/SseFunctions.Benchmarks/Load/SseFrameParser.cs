namespace SseFunctions.Benchmarks.Load;

/// <summary>
/// An incremental text/event-stream parser over UTF-8 bytes, as the HTML standard's EventSource parses: lines end
/// with CRLF, LF or CR (also across reads), <c>data</c> lines accumulate, an empty line dispatches, <c>id</c> sets
/// the last event id (not with a NUL), comments start with a colon, one space after the colon is dropped.
/// </summary>
public sealed class SseFrameParser(ISseEventHandler handler)
{
    private byte[] line = new byte[256];
    private int lineLength;
    private byte[] data = new byte[256];
    private int dataLength;
    private bool hasData;
    private byte[] lastEventId = new byte[32];
    private int lastEventIdLength;
    private bool afterCarriageReturn;

    public void Feed(ReadOnlySpan<byte> chunk)
    {
        while (!chunk.IsEmpty)
        {
            if (afterCarriageReturn)
            {
                afterCarriageReturn = false;
                if (chunk[0] == (byte)'\n')
                {
                    chunk = chunk[1..];
                    continue;
                }
            }

            var end = chunk.IndexOfAny((byte)'\n', (byte)'\r');
            if (end < 0)
            {
                Append(ref line, ref lineLength, chunk);
                return;
            }

            ReadOnlySpan<byte> complete;
            if (lineLength == 0)
            {
                complete = chunk[..end];
            }
            else
            {
                Append(ref line, ref lineLength, chunk[..end]);
                complete = line.AsSpan(0, lineLength);
            }

            afterCarriageReturn = chunk[end] == (byte)'\r';
            ProcessLine(complete);
            lineLength = 0;
            chunk = chunk[(end + 1)..];
        }
    }

    private void ProcessLine(ReadOnlySpan<byte> text)
    {
        if (text.IsEmpty)
        {
            if (hasData)
            {
                handler.OnEvent(data.AsSpan(0, dataLength), lastEventId.AsSpan(0, lastEventIdLength));
            }

            hasData = false;
            dataLength = 0;
            return;
        }

        if (text[0] == (byte)':')
        {
            handler.OnComment(text[1..]);
            return;
        }

        var colon = text.IndexOf((byte)':');
        var field = colon < 0 ? text : text[..colon];
        var value = colon < 0 ? [] : text[(colon + 1)..];
        if (!value.IsEmpty && value[0] == (byte)' ')
        {
            value = value[1..];
        }

        if (field.SequenceEqual("data"u8))
        {
            if (hasData)
            {
                Append(ref data, ref dataLength, "\n"u8);
            }

            Append(ref data, ref dataLength, value);
            hasData = true;
        }
        else if (field.SequenceEqual("id"u8) && value.IndexOf((byte)0) < 0)
        {
            lastEventIdLength = 0;
            Append(ref lastEventId, ref lastEventIdLength, value);
        }

        // event, retry and unknown fields do not matter to a stream of data events.
    }

    private static void Append(ref byte[] buffer, ref int length, ReadOnlySpan<byte> bytes)
    {
        if (length + bytes.Length > buffer.Length)
        {
            Array.Resize(ref buffer, Math.Max(buffer.Length * 2, length + bytes.Length));
        }

        bytes.CopyTo(buffer.AsSpan(length));
        length += bytes.Length;
    }
}
