using Amqp;
using Amqp.Framing;
using Amqp.Types;
using SseFunctions.LocalServiceBus.Entities;
using SseFunctions.LocalServiceBus.Links;

namespace SseFunctions.Tests.LocalServiceBus;

public class OutgoingMessageTests
{
    static readonly DateTime Enqueued = new(2026, 11, 24, 12, 0, 0, DateTimeKind.Utc);

    static EntityMessage StoredMessage()
    {
        var sent = new Message("""{"token":"Hel"}""")
        {
            Header = new Header { Ttl = 60_000 },
            Properties = new Properties { MessageId = "m1", GroupId = "session-1", ContentType = "application/json" },
            ApplicationProperties = new ApplicationProperties(),
            MessageAnnotations = new MessageAnnotations(),
        };
        sent.ApplicationProperties["kind"] = "token";
        sent.MessageAnnotations[new Symbol("x-opt-partition-key")] = "p";
        return new EntityMessage(new BrokeredMessagePayload(sent, Enqueued, TimeSpan.MaxValue), sequenceNumber: 42) { DeliveryCount = 2 };
    }

    [Fact]
    public void The_fast_encoding_equals_encoding_the_whole_message()
    {
        var stored = StoredMessage();
        var outgoing = new OutgoingMessage(stored, Guid.NewGuid());
        stored.ToAmqpMessage(outgoing, Enqueued.AddMinutes(1));

        var fast = outgoing.EncodeForTransfer();
        var full = outgoing.Encode();

        fast.Buffer.AsSpan(fast.Offset, fast.Length).ToArray().Should().Equal(full.Buffer.AsSpan(full.Offset, full.Length).ToArray());
    }

    [Fact]
    public void A_delivered_message_carries_the_Service_Bus_annotations_and_the_sender_s_sections()
    {
        var stored = StoredMessage();
        var lockedUntil = Enqueued.AddMinutes(1);
        var outgoing = new OutgoingMessage(stored, Guid.NewGuid());
        stored.ToAmqpMessage(outgoing, lockedUntil);

        var encoded = outgoing.EncodeForTransfer();
        var received = Message.Decode(encoded);

        received.Header.DeliveryCount.Should().Be(2u, "the header counts failed deliveries; the SDKs add one");
        received.Header.Ttl.Should().Be(60_000u);
        received.MessageAnnotations[new Symbol("x-opt-sequence-number")].Should().Be(42L);
        received.MessageAnnotations[new Symbol("x-opt-enqueued-time")].Should().Be(Enqueued);
        received.MessageAnnotations[new Symbol("x-opt-locked-until")].Should().Be(lockedUntil);
        received.MessageAnnotations[new Symbol("x-opt-partition-key")].Should().Be("p");
        received.Properties.GroupId.Should().Be("session-1");
        received.ApplicationProperties["kind"].Should().Be("token");
        received.Body.Should().Be("""{"token":"Hel"}""");
    }

    [Fact]
    public void Modified_application_properties_are_encoded_instead_of_the_sender_s()
    {
        var stored = StoredMessage();
        stored.ModifiedApplicationProperties = new Map { ["kind"] = "token", ["DeadLetterReason"] = "Malformed" };
        var outgoing = new OutgoingMessage(stored, Guid.NewGuid());
        stored.ToAmqpMessage(outgoing, null);

        var received = Message.Decode(outgoing.EncodeForTransfer());

        received.ApplicationProperties["DeadLetterReason"].Should().Be("Malformed");
        received.MessageAnnotations.Map.ContainsKey(new Symbol("x-opt-locked-until")).Should().BeFalse("receive-and-delete messages have no lock");
    }

    [Fact]
    public void The_lock_token_is_a_GUID_and_its_delivery_tag_is_the_GUID_bytes_in_NET_order()
    {
        var lockToken = Guid.Parse("00112233-4455-6677-8899-aabbccddeeff");

        var tag = new OutgoingMessage(StoredMessage(), lockToken).LockToken.ToByteArray();

        tag.Should().HaveCount(16);
        Convert.ToHexString(tag).Should().Be("33221100554477668899AABBCCDDEEFF", "the SDKs read the tag as a .NET GUID (little-endian first three fields)");
    }
}
