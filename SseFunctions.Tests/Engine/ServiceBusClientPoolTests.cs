using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using SseFunctions.LocalServiceBus;
using SseFunctions.Streaming.Configuration;
using SseFunctions.Streaming.ServiceBus;

namespace SseFunctions.Tests.Engine;

/// <summary>
/// The connections session receivers are spread over: the first is filled first, the next opened only when all are
/// full, a freed place is used again; and, against LocalServiceBus, receivers on every connection of the pool work.
/// </summary>
public class ServiceBusClientPoolTests
{
    private const string ConnectionString = "Endpoint=sb://chat.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=c2VjcmV0";

    [Fact]
    public async Task The_first_connection_takes_leases_up_to_the_cap_then_the_next_one_is_opened()
    {
        await using var primary = new ServiceBusClient(ConnectionString);
        var created = new List<ServiceBusClient>();
        await using var pool = new ServiceBusClientPool(primary, () => Track(created, new ServiceBusClient(ConnectionString)), sessionsPerConnection: 2);

        var leases = Enumerable.Range(0, 5).Select(_ => pool.Acquire()).ToArray();

        leases.Select(l => l.Client).Take(2).Should().AllSatisfy(c => c.Should().BeSameAs(primary));
        leases[2].Client.Should().BeSameAs(leases[3].Client).And.NotBeSameAs(primary);
        leases[4].Client.Should().NotBeSameAs(primary).And.NotBeSameAs(leases[2].Client);
        created.Should().HaveCount(2);
        pool.ConnectionCount.Should().Be(3);
        pool.LeaseCount.Should().Be(5);
    }

    [Fact]
    public async Task A_freed_place_is_used_again_before_any_connection_is_opened_and_a_lease_is_given_back_once()
    {
        await using var primary = new ServiceBusClient(ConnectionString);
        var created = new List<ServiceBusClient>();
        await using var pool = new ServiceBusClientPool(primary, () => Track(created, new ServiceBusClient(ConnectionString)), sessionsPerConnection: 2);
        var first = pool.Acquire();
        using var second = pool.Acquire();

        first.Dispose();
        first.Dispose();
        using var third = pool.Acquire();

        third.Client.Should().BeSameAs(primary);
        created.Should().BeEmpty();
        pool.LeaseCount.Should().Be(2);
    }

    [Fact]
    public async Task Disposing_the_pool_closes_the_connections_it_opened_and_not_the_primary_one()
    {
        await using var primary = new ServiceBusClient(ConnectionString);
        var created = new List<ServiceBusClient>();
        var pool = new ServiceBusClientPool(primary, () => Track(created, new ServiceBusClient(ConnectionString)), sessionsPerConnection: 1);
        pool.Acquire();
        pool.Acquire();

        await pool.DisposeAsync();

        created.Should().ContainSingle().Which.IsClosed.Should().BeTrue();
        primary.IsClosed.Should().BeFalse();
        pool.Invoking(p => p.Acquire()).Should().Throw<ObjectDisposedException>();
    }

    [Fact]
    public void AddSseStreaming_registers_a_pool_whose_first_connection_is_the_process_client()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["SERVICEBUS_CONNECTION_STRING"] = ConnectionString });
        builder.Services.AddSseStreaming(builder.Configuration);
        using var host = builder.Build();

        var pool = host.Services.GetRequiredService<ServiceBusClientPool>();
        using var lease = pool.Acquire();

        lease.Client.Should().BeSameAs(host.Services.GetRequiredService<ServiceBusClient>());
        pool.SessionsPerConnection.Should().Be(ServiceBusClientPool.DefaultSessionsPerConnection);
    }

    [Fact]
    public async Task Session_receivers_on_every_connection_of_the_pool_receive_their_own_session()
    {
        await using var broker = await LocalServiceBusHost.StartAsync(new LocalServiceBusOptions { Port = 0 });
        await using var primary = new ServiceBusClient(broker.ConnectionString);
        await using var pool = new ServiceBusClientPool(primary, () => new ServiceBusClient(broker.ConnectionString), sessionsPerConnection: 2);
        var settings = new SseStreamingOptions();
        await using var sender = primary.CreateSender(settings.TopicName);
        var sessions = Enumerable.Range(0, 5).Select(i => $"pool-{Guid.NewGuid():N}-{i}").ToArray();
        foreach (var session in sessions)
        {
            await sender.SendMessageAsync(new ServiceBusMessage(session) { SessionId = session });
        }

        var leases = sessions.Select(_ => pool.Acquire()).ToArray();
        var receivers = new List<ServiceBusSessionReceiver>();
        try
        {
            for (var i = 0; i < sessions.Length; i++)
            {
                receivers.Add(await leases[i].Client.AcceptSessionAsync(settings.TopicName, settings.SubscriptionName, sessions[i]));
            }

            for (var i = 0; i < sessions.Length; i++)
            {
                var message = await receivers[i].ReceiveMessageAsync(TimeSpan.FromSeconds(10));
                message.Should().NotBeNull();
                message!.Body.ToString().Should().Be(sessions[i]);
                await receivers[i].CompleteMessageAsync(message);
            }

            pool.ConnectionCount.Should().Be(3);
        }
        finally
        {
            foreach (var receiver in receivers)
            {
                await receiver.DisposeAsync();
            }

            foreach (var lease in leases)
            {
                lease.Dispose();
            }
        }
    }

    private static ServiceBusClient Track(List<ServiceBusClient> created, ServiceBusClient client)
    {
        created.Add(client);
        return client;
    }
}
