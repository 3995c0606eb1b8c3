using SseFunctions.Streaming.ServiceBus;

namespace SseFunctions.Tests.ServiceBus;

public class ServiceBusConnectionStringTests
{
    private const string Key = "c2VjcmV0LWtleS1kby1ub3QtbGVhaw==";

    [Fact]
    public void Parses_a_namespace_connection_string()
    {
        var cs = ServiceBusConnectionString.Parse($"Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={Key}");

        cs.Host.Should().Be("contoso.servicebus.windows.net");
        cs.Port.Should().Be(5671);
        cs.UseTls.Should().BeTrue();
        cs.UseDevelopmentEmulator.Should().BeFalse();
        cs.SharedAccessKeyName.Should().Be("RootManageSharedAccessKey");
        cs.SharedAccessKey.Should().Be(Key);
        cs.SharedAccessSignature.Should().BeNull();
        cs.EntityPath.Should().BeNull();
    }

    [Fact]
    public void Parses_the_emulator_form_with_port_and_entity_path_case_insensitively()
    {
        var cs = ServiceBusConnectionString.Parse($" endpoint = sb://localhost:5673 ; sharedaccesskeyname=k;SHAREDACCESSKEY={Key};EntityPath=token-streams;UseDevelopmentEmulator=True;");

        cs.Host.Should().Be("localhost");
        cs.Port.Should().Be(5673);
        cs.UseTls.Should().BeFalse();
        cs.UseDevelopmentEmulator.Should().BeTrue();
        cs.EntityPath.Should().Be("token-streams");
    }

    [Fact]
    public void Emulator_port_defaults_to_5672()
    {
        var cs = ServiceBusConnectionString.Parse($"Endpoint=sb://localhost;SharedAccessKeyName=k;SharedAccessKey={Key};UseDevelopmentEmulator=true");
        cs.Port.Should().Be(5672);
    }

    [Fact]
    public void Accepts_a_shared_access_signature()
    {
        var cs = ServiceBusConnectionString.Parse("Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessSignature=SharedAccessSignature sr=sb%3A%2F%2Fcontoso&sig=abc%3D&se=1999999999&skn=k");

        cs.SharedAccessSignature.Should().StartWith("SharedAccessSignature sr=");
        cs.SharedAccessKey.Should().BeNull();
        cs.ToString().Should().NotContain("sig=").And.Contain("SharedAccessSignature=***");
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("SharedAccessKeyName=k;SharedAccessKey=" + Key, "no Endpoint")]
    [InlineData("Endpoint=sb://;SharedAccessKeyName=k;SharedAccessKey=" + Key, "not a valid URI")]
    [InlineData("Endpoint=sb://contoso.servicebus.windows.net/", "no credentials")]
    [InlineData("Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKey=" + Key, "no SharedAccessKeyName")]
    [InlineData("Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=k", "no SharedAccessKey")]
    [InlineData("Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=" + Key + ";SharedAccessSignature=SharedAccessSignature sr=x", "both SharedAccessKey and SharedAccessSignature")]
    [InlineData("Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessSignature=sr=x&sig=y", "does not start with")]
    [InlineData("Endpoint=sb://localhost;SharedAccessKeyName=k;SharedAccessKey=" + Key + ";UseDevelopmentEmulator=yes", "UseDevelopmentEmulator")]
    [InlineData("Endpoint=sb://localhost;SharedAccessKeyName=k;c2VjcmV0LWtleS1kby1ub3QtbGVhaw", "segment 3")]
    [InlineData("Endpoint=sb://a;Endpoint=sb://b;SharedAccessKeyName=k;SharedAccessKey=" + Key, "more than once")]
    public void Bad_input_names_the_problem_and_never_echoes_the_key(string connectionString, string expected)
    {
        var act = () => ServiceBusConnectionString.Parse(connectionString);

        var error = act.Should().Throw<FormatException>().Which.Message;
        error.Should().Contain(expected);
        error.Should().NotContain(Key).And.NotContain("c2VjcmV0");
    }

    [Fact]
    public void ToString_hides_the_key()
    {
        var cs = ServiceBusConnectionString.Parse($"Endpoint=sb://localhost:5673/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={Key};UseDevelopmentEmulator=true");

        cs.ToString().Should().Be("Endpoint=sb://localhost:5673/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=***;UseDevelopmentEmulator=true;");
    }

    [Fact]
    public void Client_constructor_errors_do_not_echo_the_key()
    {
        var act = () => new ServiceBusClient($"SharedAccessKeyName=k;SharedAccessKey={Key}");
        act.Should().Throw<FormatException>().Which.Message.Should().NotContain(Key);
    }

    [Theory]
    [InlineData("contoso.servicebus.windows.net")]
    [InlineData("sb://contoso.servicebus.windows.net/")]
    public async Task Credential_client_takes_the_namespace_host(string fullyQualifiedNamespace)
    {
        await using var client = new ServiceBusClient(fullyQualifiedNamespace, new FakeTokenCredential());
        client.FullyQualifiedNamespace.Should().Be("contoso.servicebus.windows.net");
    }
}
