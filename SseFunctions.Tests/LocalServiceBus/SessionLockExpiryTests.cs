using Amqp;
using Amqp.Framing;
using Amqp.Types;
using SseFunctions.LocalServiceBus;

namespace SseFunctions.Tests.LocalServiceBus;

public sealed class SessionLockExpiryTests : IAsyncLifetime
{
    const string Subscription = "fast/Subscriptions/fast-sessions";
    readonly string configPath = Path.Combine(Path.GetTempPath(), $"lsb-{Guid.NewGuid():N}.json");
    LocalServiceBusHost host = null!;
    Connection connection = null!;

    public async Task InitializeAsync()
    {
        await File.WriteAllTextAsync(configPath, """
            { "UserConfig": { "Namespaces": [ { "Topics": [ { "Name": "fast", "Subscriptions": [
              { "Name": "fast-sessions", "Properties": { "RequiresSession": true, "LockDuration": "PT1S", "MaxDeliveryCount": 5 } } ] } ] } ] } }
            """);
        host = await LocalServiceBusHost.StartAsync(new LocalServiceBusOptions { Port = 0, ConfigPath = configPath });
        connection = await Connection.Factory.CreateAsync(
            new Address("127.0.0.1", host.Port, "RootManageSharedAccessKey", LocalServiceBusOptions.DevelopmentKey, "/", "amqp"));
    }

    public async Task DisposeAsync()
    {
        try
        {
            await connection.CloseAsync();
        }
        catch (AmqpException)
        {
        }

        await host.DisposeAsync();
        File.Delete(configPath);
    }

    [Fact]
    public async Task An_expired_session_lock_detaches_the_link_with_session_lock_lost_and_frees_the_session()
    {
        var sender = new SenderLink(new Session(connection), "sender", "fast");
        await sender.SendAsync(new Message("m1") { Properties = new Properties { GroupId = "s1" } });
        var first = await AttachAsync("s1");
        var closed = new TaskCompletionSource<Error?>(TaskCreationOptions.RunContinuationsAsynchronously);
        first.Closed += (_, error) => closed.TrySetResult(error);
        (await first.ReceiveAsync(TimeSpan.FromSeconds(5))).Body.Should().Be("m1");
        host.LockedMessageCount(Subscription).Should().Be(1);

        var error = await closed.Task.WaitAsync(TimeSpan.FromSeconds(5));

        error!.Condition.Should().Be(new Symbol("com.microsoft:session-lock-lost"));
        host.IsSessionLocked(Subscription, "s1").Should().BeFalse();
        host.ActiveMessageCount(Subscription).Should().Be(1, "the unsettled message is available again");
        host.LockedMessageCount(Subscription).Should().Be(0);
        var second = await AttachAsync("s1");
        (await second.ReceiveAsync(TimeSpan.FromSeconds(5))).Body.Should().Be("m1");
    }

    [Fact]
    public async Task A_session_accepted_again_after_its_lock_expired_still_gets_new_messages()
    {
        var first = await AttachAsync("empty");
        await Task.Delay(1100);
        var second = await AttachAsync("empty");

        var sender = new SenderLink(new Session(connection), "sender", "fast");
        await sender.SendAsync(new Message("later") { Properties = new Properties { GroupId = "empty" } });

        (await second.ReceiveAsync(TimeSpan.FromSeconds(5))).Body.Should().Be("later");
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!first.IsClosed && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        first.IsClosed.Should().BeTrue("the expired receiver was detached");
    }

    async Task<ReceiverLink> AttachAsync(string sessionId)
    {
        var attached = new TaskCompletionSource<Attach>(TaskCreationOptions.RunContinuationsAsynchronously);
        var attach = new Attach
        {
            Source = new Source { Address = Subscription, FilterSet = new Map { [new Symbol("com.microsoft:session-filter")] = sessionId } },
            Target = new Target { Address = "client" },
            RcvSettleMode = ReceiverSettleMode.Second,
        };
        var receiver = new ReceiverLink(new Session(connection), "receiver-" + Guid.NewGuid(), attach, (_, remote) => attached.TrySetResult(remote));
        var remote = await attached.Task.WaitAsync(TimeSpan.FromSeconds(5));
        remote.Source.Should().NotBeNull("the session can be locked");
        receiver.SetCredit(10);
        return receiver;
    }
}
