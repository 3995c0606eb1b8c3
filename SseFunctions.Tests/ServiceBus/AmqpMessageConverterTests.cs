using Amqp;
using Amqp.Framing;
using Amqp.Types;
using SseFunctions.Streaming.ServiceBus;
using SseFunctions.Streaming.ServiceBus.Amqp;

namespace SseFunctions.Tests.ServiceBus;

public class AmqpMessageConverterTests
{
    [Fact]
    public void Outgoing_message_maps_every_property_to_its_amqp_section()
    {
        var message = new ServiceBusMessage("{\"token\":\"a\"}")
        {
            SessionId = "s",
            MessageId = "m",
            ContentType = "application/json",
            Subject = "sub",
            CorrelationId = "c",
            TimeToLive = TimeSpan.FromSeconds(30),
        };
        message.ApplicationProperties["n"] = 1;
        message.ApplicationProperties["when"] = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

        var amqp = AmqpMessageConverter.ToAmqp(message);

        amqp.Properties.GroupId.Should().Be("s");
        amqp.Properties.MessageId.Should().Be("m");
        amqp.Properties.ContentType.ToString().Should().Be("application/json");
        amqp.Properties.Subject.Should().Be("sub");
        amqp.Properties.CorrelationId.Should().Be("c");
        amqp.Header.Ttl.Should().Be(30_000u);
        amqp.ApplicationProperties["n"].Should().Be(1);
        amqp.ApplicationProperties["when"].Should().Be(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc));
        amqp.BodySection.Should().BeOfType<Data>().Which.Binary.Should().Equal(message.Body.ToArray());
    }

    [Fact]
    public void Unsupported_application_property_types_are_refused_naming_the_property()
    {
        var message = new ServiceBusMessage("x");
        message.ApplicationProperties["bad"] = new object();
        var act = () => AmqpMessageConverter.ToAmqp(message);
        act.Should().Throw<ArgumentException>().WithMessage("*'bad'*");
    }

    [Theory]
    [InlineData("data")]
    [InlineData("data-list")]
    [InlineData("value-string")]
    [InlineData("value-binary")]
    public void Body_is_read_from_data_sections_or_an_amqp_value(string kind)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes("héllo");
        var message = new Message();
        message.BodySection = kind switch
        {
            "data" => new Data { Binary = bytes },
            "value-string" => new AmqpValue { Value = "héllo" },
            "value-binary" => new AmqpValue { Value = bytes },
            _ => null,
        };
        if (kind == "data-list")
        {
            // two Data sections on the wire decode to a DataList
            var wire = new Message { BodySection = new Data { Binary = bytes[..2] } }.Encode();
            var second = new Message { BodySection = new Data { Binary = bytes[2..] } }.Encode();
            var all = wire.Buffer.AsSpan(wire.Offset, wire.Length).ToArray().Concat(second.Buffer.AsSpan(second.Offset, second.Length).ToArray()).ToArray();
            var buffer = new ByteBuffer(all, 0, all.Length, all.Length);
            message = Message.Decode(buffer);
        }

        AmqpMessageConverter.GetBody(message).ToArray().Should().Equal(bytes);
    }

    [Fact]
    public void Received_message_reads_annotations_header_and_tag()
    {
        var enqueued = new DateTime(2026, 11, 24, 12, 0, 0, DateTimeKind.Utc);
        var amqp = new Message
        {
            Header = new Header { DeliveryCount = 1 },
            MessageAnnotations = new MessageAnnotations
            {
                [new Symbol("x-opt-sequence-number")] = 77L,
                [new Symbol("x-opt-enqueued-time")] = enqueued,
            },
            Properties = new Properties { GroupId = "s", MessageId = "m", ContentType = new Symbol("text/plain") },
            ApplicationProperties = new ApplicationProperties { ["DeadLetterReason"] = "why" },
            BodySection = new Data { Binary = [1, 2] },
        };
        var lockedUntil = DateTimeOffset.UtcNow.AddMinutes(1);

        var received = AmqpMessageConverter.FromAmqp(amqp, new object(), lockedUntil, peekLock: true);

        received.SequenceNumber.Should().Be(77);
        received.EnqueuedTime.Should().Be(new DateTimeOffset(enqueued));
        received.DeliveryCount.Should().Be(2);
        received.SessionId.Should().Be("s");
        received.ContentType.Should().Be("text/plain");
        received.LockedUntil.Should().Be(lockedUntil);
        received.DeadLetterReason.Should().Be("why");
        received.Body.ToArray().Should().Equal(1, 2);
    }

    [Fact]
    public void Dead_letter_error_has_the_condition_and_symbol_keyed_info()
    {
        var error = AmqpMessageConverter.DeadLetterError("MalformedMessage", "not JSON");

        error.Condition.ToString().Should().Be("com.microsoft:dead-letter");
        error.Info[new Symbol("DeadLetterReason")].Should().Be("MalformedMessage");
        error.Info[new Symbol("DeadLetterErrorDescription")].Should().Be("not JSON");
    }
}
