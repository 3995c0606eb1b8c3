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
