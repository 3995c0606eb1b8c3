namespace SseFunctions.Tests.Support;

/// <summary>A LocalServiceBus entity file (the emulator's Config.json shape) in a temporary file: the token topic with
/// the service's session subscription, its lock as short as a test needs. Deleted on dispose.</summary>
internal sealed class ShortLockBrokerConfig : IDisposable
{
    public ShortLockBrokerConfig(int lockSeconds)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"sse-{lockSeconds}s-lock-{Guid.NewGuid():N}.json");
        File.WriteAllText(Path, $$"""
            {
              "UserConfig": {
                "Namespaces": [{
                  "Name": "sbemulatorns",
                  "Topics": [{
                    "Name": "{{StreamingServer.Topic}}",
                    "Subscriptions": [{
                      "Name": "sse-service-token-streams",
                      "Properties": { "LockDuration": "PT{{lockSeconds}}S", "MaxDeliveryCount": 10, "RequiresSession": true }
                    }]
                  }]
                }]
              }
            }
            """);
    }

    public string Path { get; }

    public void Dispose() => File.Delete(Path);
}
