using Microsoft.Extensions.Logging;
using SseFunctions.LocalServiceBus;

namespace SseFunctions.Tests.LocalServiceBus;

public class CommandLineTests
{
    [Fact]
    public void Defaults_to_port_5672_on_loopback_with_the_built_in_entities()
    {
        var commandLine = CommandLine.Parse([]);

        commandLine.Options.Port.Should().Be(5672);
        commandLine.Options.Host.Should().Be("127.0.0.1");
        commandLine.Options.ConfigPath.Should().BeNull();
        commandLine.LogLevel.Should().Be(LogLevel.Information);
    }

    [Fact]
    public void Reads_port_config_host_and_log_level()
    {
        var commandLine = CommandLine.Parse(["--port", "0", "--config", "Config.json", "--host", "::1", "--log-level", "debug"]);

        commandLine.Options.Port.Should().Be(0);
        commandLine.Options.ConfigPath.Should().Be("Config.json");
        commandLine.Options.Host.Should().Be("::1");
        commandLine.LogLevel.Should().Be(LogLevel.Debug);
    }

    [Fact]
    public void Reads_the_key_and_the_TLS_options()
    {
        var commandLine = CommandLine.Parse(["--key-name", "sender", "--key", "c2VjcmV0", "--tls", "--tls-port", "0", "--cert", "c.pem", "--cert-key", "k.pem"]);

        commandLine.Options.KeyName.Should().Be("sender");
        commandLine.Options.Key.Should().Be("c2VjcmV0");
        commandLine.Options.Tls.Should().BeTrue();
        commandLine.Options.TlsPort.Should().Be(0);
        commandLine.Options.CertificatePath.Should().Be("c.pem");
        commandLine.Options.CertificateKeyPath.Should().Be("k.pem");
        CommandLine.Parse([]).Options.Tls.Should().BeFalse("plain AMQP only, unless asked");
        CommandLine.Parse(["--tls"]).Options.TlsPort.Should().Be(5671);
        CommandLine.Parse([]).Options.Key.Should().Be(LocalServiceBusOptions.DevelopmentKey);
    }

    [Theory]
    [InlineData("--cert", "c.pem")]
    [InlineData("--cert-dir", "certs")]
    [InlineData("--key", "")]
    [InlineData("--tls-port", "-1")]
    public void TLS_and_key_options_that_do_not_fit_are_refused_with_a_message_naming_them(params string[] args)
    {
        var parse = () => CommandLine.Parse(args);

        parse.Should().Throw<ArgumentException>().WithMessage($"*{args[0]}*");
    }

    [Theory]
    [InlineData("--port", "abc")]
    [InlineData("--port", "70000")]
    [InlineData("--port")]
    [InlineData("--log-level", "loud")]
    [InlineData("--verbose")]
    public void Bad_arguments_are_refused_with_a_message_naming_them(params string[] args)
    {
        var parse = () => CommandLine.Parse(args);

        parse.Should().Throw<ArgumentException>().WithMessage($"*{args[0]}*");
    }
}
