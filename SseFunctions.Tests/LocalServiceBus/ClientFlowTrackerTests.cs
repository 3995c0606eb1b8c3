using System.Buffers.Binary;
using Amqp;
using Amqp.Framing;
using Amqp.Types;
using SseFunctions.LocalServiceBus.Protocol;

namespace SseFunctions.Tests.LocalServiceBus;

public class ClientFlowTrackerTests
{
    readonly ClientFlowTracker tracker = new();

    [Fact]
    public void The_last_flow_of_a_client_receiver_is_found_by_its_link_name_until_it_detaches()
    {
        tracker.Observe(Frame(channel: 3, new Attach { LinkName = "receiver-1", Handle = 7, Role = true }));
        tracker.Observe(Frame(channel: 3, Flow(handle: 7, deliveryCount: 10, linkCredit: 5, drain: false)));
        tracker.Observe(Frame(channel: 3, Flow(handle: 7, deliveryCount: 12, linkCredit: 3, drain: true)));
        tracker.Observe(Frame(channel: 4, Flow(handle: 7, deliveryCount: 99, linkCredit: 99, drain: false)));

        tracker.TryGetFlow("receiver-1", out var flow).Should().BeTrue();
        flow.Should().Be(new ClientFlow(12, 3, true), "the last flow on its channel and handle");
        flow.DeliveryLimit.Should().Be(15);

        tracker.Observe(Frame(channel: 3, new Detach { Handle = 7, Closed = true }));
        tracker.TryGetFlow("receiver-1", out _).Should().BeFalse();
    }

    [Fact]
    public void A_handle_used_again_belongs_to_the_new_link_and_senders_are_not_tracked()
    {
        tracker.Observe(Frame(channel: 0, new Attach { LinkName = "old", Handle = 1, Role = true }));
        tracker.Observe(Frame(channel: 0, new Attach { LinkName = "new", Handle = 1, Role = true }));
        tracker.Observe(Frame(channel: 0, new Attach { LinkName = "a-sender", Handle = 2, Role = false }));
        tracker.Observe(Frame(channel: 0, Flow(handle: 1, deliveryCount: 0, linkCredit: 10, drain: false)));
        tracker.Observe(Frame(channel: 0, Flow(handle: 2, deliveryCount: 0, linkCredit: 10, drain: false)));

        tracker.TryGetFlow("new", out var flow).Should().BeTrue();
        flow.LinkCredit.Should().Be(10);
        tracker.TryGetFlow("old", out _).Should().BeFalse();
        tracker.TryGetFlow("a-sender", out _).Should().BeFalse();
    }

    [Fact]
    public void Delivery_limits_wrap_like_sequence_numbers()
    {
        new ClientFlow(uint.MaxValue - 1, 5, false).DeliveryLimit.Should().Be(3);
    }

    static Flow Flow(uint handle, uint deliveryCount, uint linkCredit, bool drain) => new()
    {
        NextIncomingId = 0,
        IncomingWindow = 2048,
        NextOutgoingId = 0,
        OutgoingWindow = 2048,
        Handle = handle,
        DeliveryCount = deliveryCount,
        LinkCredit = linkCredit,
        Drain = drain,
    };

    static byte[] Frame(ushort channel, DescribedList performative)
    {
        var body = new ByteBuffer(256, true);
        Encoder.WriteObject(body, performative);
        var frame = new byte[8 + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, frame.Length);
        frame[4] = 2;
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(6), channel);
        Buffer.BlockCopy(body.Buffer, body.Offset, frame, 8, body.Length);
        return frame;
    }
}
