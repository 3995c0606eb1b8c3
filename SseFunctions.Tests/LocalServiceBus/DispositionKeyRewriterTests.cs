using SseFunctions.LocalServiceBus.Protocol;

namespace SseFunctions.Tests.LocalServiceBus;

public class DispositionKeyRewriterTests
{
    // A disposition sent by @azure/service-bus 7.9.5 for deadLetterMessage: its error info has string keys.
    const string DeadLetterDisposition =
        "0000009D02000001005315D00000008D0000000541434342005325D00000007D0000000100531DD00000007100000003A319636F6D2E6D6963726F736F66743A646561642D6C657474657240D10000004C00000004A110446561644C6574746572526561736F6EA10E4D616C666F726D6564546F6B656EA11A446561644C65747465724572726F724465736372697074696F6EA1086E6F74204A534F4E";

    [Fact]
    public void String_keys_of_the_error_info_become_symbols_and_values_stay_strings()
    {
        var frame = Convert.FromHexString(DeadLetterDisposition);

        DispositionKeyRewriter.Rewrite(frame);

        var hex = Convert.ToHexString(frame);
        hex.Should().Contain("A310446561644C6574746572526561736F6E", "the DeadLetterReason key is a symbol");
        hex.Should().Contain("A10E4D616C666F726D6564546F6B656E", "the value stays a string");
        hex.Should().Contain("A31A446561644C65747465724572726F724465736372697074696F6E");
    }
}
