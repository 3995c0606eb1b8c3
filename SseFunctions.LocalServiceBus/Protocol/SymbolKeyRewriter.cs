using System.Buffers.Binary;

namespace SseFunctions.LocalServiceBus.Protocol;

/// <summary>
/// AMQP wants symbol keys in <c>fields</c>, filter sets and annotations, and AMQPNetLite refuses string keys there (it fails
/// the attach or closes the connection). The SDKs send them anyway: the JS SDK in the fields of a disposition (the
/// dead-letter error info, the properties of an abandon), the Python SDK (uamqp) in the properties and the filter set of an
/// attach. This rewrites, in place, the string keys of every map in an attach, flow or disposition frame to symbols: the
/// encodings have the same length (str8 0xa1 → sym8 0xa3, str32 0xb1 → sym32 0xb3). Transfers (message data) are left alone.
/// </summary>
public static class SymbolKeyRewriter
{
    const byte AttachDescriptor = 0x12;
    const byte FlowDescriptor = 0x13;
    const byte DispositionDescriptor = 0x15;

    /// <summary>Rewrites a whole frame (size prefix included) if it is an AMQP attach, flow or disposition; other frames are left alone.</summary>
    public static void Rewrite(Span<byte> frame)
    {
        if (frame.Length < 8 || frame[5] != 0)
        {
            return;
        }

        var bodyOffset = frame[4] * 4;
        if (bodyOffset < 8 || bodyOffset + 3 > frame.Length)
        {
            return;
        }

        var body = frame[bodyOffset..];
        int position;
        if (body[0] == 0x00 && body[1] == 0x53 && IsRewritten(body[2]))
        {
            position = 3;
        }
        else if (body.Length > 10 && body[0] == 0x00 && body[1] == 0x80 && BinaryPrimitives.ReadUInt64BigEndian(body[2..]) is var code &&
            code <= byte.MaxValue && IsRewritten((byte)code))
        {
            position = 10;
        }
        else
        {
            return;
        }

        try
        {
            Walk(body, ref position, depth: 0);
        }
        catch (Exception exception) when (exception is IndexOutOfRangeException or ArgumentOutOfRangeException or InvalidDataException)
        {
            // Malformed: leave it to the AMQP decoder to refuse.
        }
    }

    static bool IsRewritten(byte descriptor) => descriptor is AttachDescriptor or FlowDescriptor or DispositionDescriptor;

    static void Walk(Span<byte> data, ref int position, int depth)
    {
        if (depth > 32)
        {
            throw new InvalidDataException("Too deeply nested.");
        }

        var code = data[position++];
        switch (code)
        {
            case 0x00:
                Walk(data, ref position, depth + 1);
                Walk(data, ref position, depth + 1);
                return;
            case 0xc0 or 0xd0:
                WalkCompound(data, ref position, code == 0xd0, isMap: false, depth);
                return;
            case 0xc1 or 0xd1:
                WalkCompound(data, ref position, code == 0xd1, isMap: true, depth);
                return;
            default:
                position += ValueLength(code, data, position);
                return;
        }
    }

    static void WalkCompound(Span<byte> data, ref int position, bool wide, bool isMap, int depth)
    {
        int size, count;
        if (wide)
        {
            size = BinaryPrimitives.ReadInt32BigEndian(data[position..]);
            count = BinaryPrimitives.ReadInt32BigEndian(data[(position + 4)..]);
            position += 8;
            size -= 4;
        }
        else
        {
            size = data[position];
            count = data[position + 1];
            position += 2;
            size -= 1;
        }

        var end = position + size;
        if (size < 0 || end > data.Length)
        {
            throw new InvalidDataException("Bad compound size.");
        }

        for (var i = 0; i < count; i++)
        {
            if (isMap && i % 2 == 0)
            {
                if (data[position] == 0xa1)
                {
                    data[position] = 0xa3;
                }
                else if (data[position] == 0xb1)
                {
                    data[position] = 0xb3;
                }
            }

            Walk(data, ref position, depth + 1);
        }

        position = end;
    }

    static int ValueLength(byte code, Span<byte> data, int position) => (code >> 4) switch
    {
        0x4 => 0,
        0x5 => 1,
        0x6 => 2,
        0x7 => 4,
        0x8 => 8,
        0x9 => 16,
        0xa or 0xc or 0xe => 1 + data[position],
        0xb or 0xd or 0xf => 4 + BinaryPrimitives.ReadInt32BigEndian(data[position..]),
        _ => throw new InvalidDataException($"Unknown AMQP type code 0x{code:x2}."),
    };
}
