using SseFunctions.LocalServiceBus.Protocol;

namespace SseFunctions.Tests.LocalServiceBus;

public class SymbolKeyRewriterTests
{
    // A disposition sent by @azure/service-bus 7.9.5 for deadLetterMessage: its error info has string keys.
    const string DeadLetterDisposition =
        "0000009D02000001005315D00000008D0000000541434342005325D00000007D0000000100531DD00000007100000003A319636F6D2E6D6963726F736F66743A646561642D6C657474657240D10000004C00000004A110446561644C6574746572526561736F6EA10E4D616C666F726D6564546F6B656EA11A446561644C65747465724572726F724465736372697074696F6EA1086E6F74204A534F4E";

    [Fact]
    public void String_keys_of_the_error_info_become_symbols_and_values_stay_strings()
    {
        var frame = Convert.FromHexString(DeadLetterDisposition);

        SymbolKeyRewriter.Rewrite(frame);

        var hex = Convert.ToHexString(frame);
        hex.Should().Contain("A310446561644C6574746572526561736F6E", "the DeadLetterReason key is a symbol");
        hex.Should().Contain("A10E4D616C666F726D6564546F6B656E", "the value stays a string");
        hex.Should().Contain("A31A446561644C65747465724572726F724465736372697074696F6E");
    }

    // The attach of a next-available session receiver sent by Debian's python3-azure (uamqp 1.5.3): its link properties have
    // a string key (com.microsoft:receiver-name), which AMQPNetLite refuses in fields.
    const string UamqpSessionReceiverAttach =
        "0000015702000000005312D0000001470000000EA13272656365697665722D6C696E6B2D39616564303330372D633135382D343763392D383938392D" +
        "37353232626664393239373352024150005001005328C06D08A142616D7170733A2F2F6C6F63616C686F73742F6E6578742D73657373696F6E2F5375" +
        "62736372697074696F6E732F6E6578742D73657373696F6E2D73657373696F6E73404040404040C12002A31C636F6D2E6D6963726F736F66743A7365" +
        "7373696F6E2D66696C74657240005329C03201A12F534252656365697665722D64386664303833382D373865652D343031332D623363372D38353263" +
        "61303634386436624040408000000000001000004040C14F02A11B636F6D2E6D6963726F736F66743A72656365697665722D6E616D65A12F53425265" +
        "6365697665722D64386664303833382D373865652D343031332D623363372D383532636130363438643662";

    [Fact]
    public void String_keys_of_an_attach_become_symbols_and_the_frame_decodes()
    {
        var frame = Convert.FromHexString(UamqpSessionReceiverAttach);

        SymbolKeyRewriter.Rewrite(frame);

        var hex = Convert.ToHexString(frame);
        hex.Should().Contain("A31B636F6D2E6D6963726F736F66743A72656365697665722D6E616D65", "com.microsoft:receiver-name is a symbol key");
        hex.Should().Contain("A12F534252656365697665722D", "its value stays a string");
        hex.Should().Contain("A142616D7170733A2F2F", "the source address stays a string");
        _ = new Amqp.Framing.Attach(); // registers AMQPNetLite's frame types with its decoder
        var attach = (Amqp.Framing.Attach)Amqp.Types.Encoder.ReadObject(new Amqp.ByteBuffer(frame, 8, frame.Length - 8, frame.Length));
        attach.Properties[new Amqp.Types.Symbol("com.microsoft:receiver-name")].Should().BeOfType<string>();
        ((Amqp.Framing.Source)attach.Source).FilterSet.ContainsKey(new Amqp.Types.Symbol("com.microsoft:session-filter")).Should().BeTrue();
    }

    [Fact]
    public void Transfers_are_left_alone()
    {
        // A transfer (0x14) whose message has an application-properties map with a string key: user data, not rewritten.
        var frame = Convert.FromHexString("0000001B02000000" + "005314C0020143" + "005374C10702A1016BA10176");
        var before = Convert.ToHexString(frame);

        SymbolKeyRewriter.Rewrite(frame);

        Convert.ToHexString(frame).Should().Be(before);
    }
}
