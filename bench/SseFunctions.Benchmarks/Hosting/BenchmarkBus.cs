using Azure.Messaging.ServiceBus;
using SseFunctions.Benchmarks.Load;
using SseFunctions.Streaming.Configuration;

namespace SseFunctions.Benchmarks.Hosting;

/// <summary>A fresh broker process with the benchmark's own SDK client on it, a sender on the token topic and the
/// publisher that plays the LLM worker: what every run starts with, disposed in reverse order.</summary>
public sealed class BenchmarkBus : IAsyncDisposable
{
    /// <summary>The entity names the services use by default (topic and session subscription).</summary>
    public static readonly SseStreamingOptions Entities = new();

    private BenchmarkBus(BrokerProcess broker, ServiceBusClient client, ServiceBusSender sender)
    {
        Broker = broker;
        Client = client;
        Sender = sender;
        Publisher = new WorkloadPublisher(sender);
    }

    public BrokerProcess Broker { get; }

    public ServiceBusClient Client { get; }

    public ServiceBusSender Sender { get; }

    public WorkloadPublisher Publisher { get; }

    public static async Task<BenchmarkBus> StartAsync(RepositoryLayout layout, CancellationToken cancellationToken)
    {
        var broker = await BrokerProcess.StartAsync(layout, cancellationToken);
        var client = new ServiceBusClient(broker.ConnectionString);
        return new BenchmarkBus(broker, client, client.CreateSender(Entities.TopicName));
    }

    public async ValueTask DisposeAsync()
    {
        await Sender.DisposeAsync();
        await Client.DisposeAsync();
        await Broker.DisposeAsync();
    }
}
