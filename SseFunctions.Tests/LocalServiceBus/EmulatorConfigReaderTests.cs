using SseFunctions.LocalServiceBus.Configuration;

namespace SseFunctions.Tests.LocalServiceBus;

public class EmulatorConfigReaderTests
{
    [Fact]
    public void Reads_queues_topics_and_subscriptions_with_their_properties()
    {
        const string json = """
            {
              "UserConfig": {
                "Namespaces": [
                  {
                    "Name": "sbemulatorns",
                    "Queues": [ { "Name": "q1", "Properties": { "RequiresSession": false, "LockDuration": "PT30S", "MaxDeliveryCount": 3 } } ],
                    "Topics": [
                      {
                        "Name": "token-streams",
                        "Properties": { "DefaultMessageTimeToLive": "PT1H" },
                        "Subscriptions": [
                          { "Name": "sse", "Properties": { "RequiresSession": true, "LockDuration": "PT2S", "MaxDeliveryCount": 10, "DefaultMessageTimeToLive": "P1D" }, "Rules": [] }
                        ]
                      }
                    ]
                  }
                ],
                "Logging": { "Type": "File" }
              }
            }
            """;

        var configuration = EmulatorConfigReader.Parse(json);

        configuration.Queues.Should().ContainSingle();
        configuration.Queues[0].Name.Should().Be("q1");
        configuration.Queues[0].Properties.Should().Be(new EntityProperties { RequiresSession = false, LockDuration = TimeSpan.FromSeconds(30), MaxDeliveryCount = 3 });
        var topic = configuration.Topics.Should().ContainSingle().Subject;
        topic.Name.Should().Be("token-streams");
        topic.DefaultMessageTimeToLive.Should().Be(TimeSpan.FromHours(1));
        var subscription = topic.Subscriptions.Should().ContainSingle().Subject;
        subscription.Name.Should().Be("sse");
        subscription.Properties.RequiresSession.Should().BeTrue();
        subscription.Properties.LockDuration.Should().Be(TimeSpan.FromSeconds(2));
        subscription.Properties.MaxDeliveryCount.Should().Be(10);
        subscription.Properties.DefaultMessageTimeToLive.Should().Be(TimeSpan.FromHours(1), "a subscription's TTL is capped by its topic's");
    }

    [Fact]
    public void Missing_properties_take_the_service_defaults()
    {
        var configuration = EmulatorConfigReader.Parse("""{ "UserConfig": { "Namespaces": [ { "Queues": [ { "Name": "q" } ] } ] } }""");

        configuration.Queues[0].Properties.Should().Be(new EntityProperties());
        configuration.Queues[0].Properties.LockDuration.Should().Be(TimeSpan.FromMinutes(1));
        configuration.Queues[0].Properties.MaxDeliveryCount.Should().Be(10);
    }

    [Theory]
    [InlineData("""{ "Namespaces": [] }""", "UserConfig")]
    [InlineData("""{ "UserConfig": { "Namespaces": [ { "Queues": [ { "Name": "q", "Properties": { "LockDuration": "one minute" } } ] } ] } }""", "LockDuration")]
    [InlineData("""{ "UserConfig": { "Namespaces": [ { "Queues": [ { "Name": "q", "Properties": { "MaxDeliveryCount": 0 } } ] } ] } }""", "MaxDeliveryCount")]
    [InlineData("""{ "UserConfig": { "Namespaces": [ { "Queues": [ { "Properties": {} } ] } ] } }""", "Name")]
    [InlineData("""{ "UserConfig": """, "JSON")]
    [InlineData("""{ "UserConfig": { "Namespaces": [ { "Queues": [ { "Name": "same" } ], "Topics": [ { "Name": "SAME" } ] } ] } }""", "twice")]
    [InlineData("""{ "UserConfig": { "Namespaces": [ { "Topics": [ { "Name": "t", "Subscriptions": [ { "Name": "s" }, { "Name": "s" } ] } ] } ] } }""", "twice")]
    public void Bad_files_are_refused_with_a_message_naming_the_problem(string json, string named)
    {
        var parse = () => EmulatorConfigReader.Parse(json);

        parse.Should().Throw<InvalidDataException>().WithMessage($"*{named}*");
    }

    [Fact]
    public void The_shipped_example_Config_json_describes_the_default_entities()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "SseFunctions.sln")))
        {
            directory = directory.Parent;
        }

        directory.Should().NotBeNull("the tests run inside the repository");
        var configuration = EmulatorConfigReader.ReadFile(Path.Combine(directory!.FullName, "SseFunctions.LocalServiceBus", "Config.json"));

        var topic = configuration.Topics.Should().ContainSingle(t => t.Name == BrokerConfiguration.DefaultTopicName).Subject;
        var subscription = topic.Subscriptions.Should().ContainSingle(s => s.Name == BrokerConfiguration.DefaultSubscriptionName).Subject;
        subscription.Properties.RequiresSession.Should().BeTrue();
        subscription.Properties.LockDuration.Should().Be(TimeSpan.FromSeconds(60));
        subscription.Properties.MaxDeliveryCount.Should().Be(10);
    }

    [Fact]
    public void The_default_configuration_is_the_token_streams_session_subscription()
    {
        var subscription = BrokerConfiguration.Default.Topics.Should().ContainSingle().Subject.Subscriptions.Should().ContainSingle().Subject;

        subscription.Name.Should().Be("sse-service-token-streams");
        subscription.Properties.Should().Be(new EntityProperties { RequiresSession = true, LockDuration = TimeSpan.FromSeconds(60), MaxDeliveryCount = 10 });
    }
}
