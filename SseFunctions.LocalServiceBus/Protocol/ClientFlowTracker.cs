using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Amqp;
using Amqp.Framing;
using Amqp.Types;

namespace SseFunctions.LocalServiceBus.Protocol;

/// <summary>What a client's flow frame says: the delivery count it has seen, the credit it gives, and whether it drains.</summary>
public readonly record struct ClientFlow(uint DeliveryCount, uint LinkCredit, bool Drain)
{
    /// <summary>The delivery count up to which the client allows transfers (AMQP's delivery limit, wrapping like a sequence number).</summary>
    public uint DeliveryLimit => unchecked(DeliveryCount + LinkCredit);
}

/// <summary>
/// The last flow of every client receiver on one connection, read from the frames as they arrive. AMQPNetLite gives a
/// link endpoint only its own credit difference, computed from its own count, which sets credit to zero on a flow that
/// grants nothing new and wraps below zero when transfers decided before that flow go out after it; a broker that sends
/// from such a count overruns the client's credit ("no link credit to accept the delivery") after drains. With the
/// client's own numbers the broker computes the credit exactly: delivery limit − its own delivery count.
/// </summary>
public sealed class ClientFlowTracker
{
    const byte AttachCode = 0x12;
    const byte FlowCode = 0x13;
    const byte DetachCode = 0x16;
    static readonly ConditionalWeakTable<Connection, ClientFlowTracker> ByConnection = new();
    readonly ConcurrentDictionary<string, (ushort Channel, uint Handle)> receiversByName = new(StringComparer.Ordinal);
    readonly ConcurrentDictionary<(ushort Channel, uint Handle), string> namesByHandle = new();
    readonly ConcurrentDictionary<(ushort Channel, uint Handle), ClientFlow> lastFlows = new();

    static ClientFlowTracker() => _ = new Attach(); // registers AMQPNetLite's frame types with its decoder

    public static ClientFlowTracker? For(Connection connection) => ByConnection.TryGetValue(connection, out var tracker) ? tracker : null;

    public void Register(Connection connection) => ByConnection.AddOrUpdate(connection, this);

    /// <summary>The last flow of the client receiver named <paramref name="linkName"/>, if one came.</summary>
    public bool TryGetFlow(string linkName, out ClientFlow flow)
    {
        flow = default;
        return receiversByName.TryGetValue(linkName, out var key) && lastFlows.TryGetValue(key, out flow);
    }

    /// <summary>Called with each whole frame the client sent, before AMQPNetLite handles it (frames are handled in order).</summary>
    public void Observe(ReadOnlySpan<byte> frame)
    {
        // Only AMQP frames (type 0) with a small-ulong descriptor of attach, flow or detach (the SDKs' encoding).
        if (frame.Length < 11 || frame[5] != 0 || frame[4] < 2)
        {
            return;
        }

        var body = frame[(frame[4] * 4)..];
        if (body.Length < 3 || body[0] != 0x00 || body[1] != 0x53 || body[2] is not (AttachCode or FlowCode or DetachCode))
        {
            return;
        }

        var channel = BinaryPrimitives.ReadUInt16BigEndian(frame[6..]);
        object? performative;
        try
        {
            var bytes = body.ToArray();
            performative = Encoder.ReadObject(new ByteBuffer(bytes, 0, bytes.Length, bytes.Length));
        }
        catch (Exception exception) when (exception is AmqpException or InvalidCastException or IndexOutOfRangeException or ArgumentException or InvalidOperationException)
        {
            return; // AMQPNetLite refuses the frame with a clear error of its own.
        }

        switch (performative)
        {
            case Attach { Role: true } attach:
                // A handle (and channel) used again, after its link or session ended without a detach we saw: the new link only.
                var key = (channel, attach.Handle);
                if (namesByHandle.TryGetValue(key, out var previous))
                {
                    receiversByName.TryRemove(new KeyValuePair<string, (ushort, uint)>(previous, key));
                }

                receiversByName[attach.LinkName] = key;
                namesByHandle[key] = attach.LinkName;
                lastFlows.TryRemove(key, out _);
                break;
            case Flow { HasHandle: true } flow:
                lastFlows[(channel, flow.Handle)] = new ClientFlow(flow.DeliveryCount, flow.LinkCredit, flow.Drain);
                break;
            case Detach detach:
                lastFlows.TryRemove((channel, detach.Handle), out _);
                if (namesByHandle.TryRemove((channel, detach.Handle), out var name))
                {
                    receiversByName.TryRemove(new KeyValuePair<string, (ushort, uint)>(name, (channel, detach.Handle)));
                }

                break;
        }
    }
}
