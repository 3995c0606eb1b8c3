using System.Net.Sockets;
using Amqp;
using Amqp.Framing;
using Amqp.Types;
using SseFunctions.LocalServiceBus;

namespace SseFunctions.Tests.LocalServiceBus;

/// <summary>The broker hosted in-process, driven by an AMQPNetLite client (SASL PLAIN with the key: no $cbs needed).</summary>
public sealed class LocalServiceBusHostTests : IAsyncLifetime
{
    const string Topic = "token-streams";
    const string Subscription = "token-streams/Subscriptions/sse-service-token-streams";
    static readonly Symbol SessionFilter = "com.microsoft:session-filter";
    LocalServiceBusHost host = null!;
    readonly List<Connection> connections = [];

    public async Task InitializeAsync() => host = await LocalServiceBusHost.StartAsync(new LocalServiceBusOptions { Port = 0 });

    public async Task DisposeAsync()
    {
        foreach (var connection in connections)
        {
            try
            {
                await connection.CloseAsync();
            }
            catch (Exception exception) when (exception is AmqpException or ObjectDisposedException or OperationCanceledException or SocketException)
            {
            }
        }

        await host.DisposeAsync();
    }

    [Fact]
    public void Port_0_binds_a_free_port_and_the_connection_string_names_it()
    {
        host.Port.Should().BeGreaterThan(0);
        host.ConnectionString.Should().Be(
            $"Endpoint=sb://localhost:{host.Port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={LocalServiceBusOptions.DevelopmentKey};UseDevelopmentEmulator=true;");
    }

    [Fact]
    public async Task A_session_receiver_gets_the_session_lock_and_the_messages_with_Service_Bus_annotations()
    {
        var connection = await ConnectAsync();
        await SendAsync(connection, Topic, SessionMessage("s1", "first"), SessionMessage("s1", "second"), SessionMessage("s2", "other"));
        host.ActiveMessageCount(Subscription).Should().Be(3);

        var (receiver, remoteAttach) = await AttachSessionReceiverAsync(connection, "s1");
        var source = (Source)remoteAttach.Source;
        source.FilterSet[SessionFilter].Should().Be("s1");
        var lockedUntil = new DateTime((long)remoteAttach.Properties[new Symbol("com.microsoft:locked-until-utc")], DateTimeKind.Utc);
        lockedUntil.Should().BeCloseTo(DateTime.UtcNow.AddSeconds(60), TimeSpan.FromSeconds(5));
        host.IsSessionLocked(Subscription, "s1").Should().BeTrue();
        host.IsSessionLocked(Subscription, "s2").Should().BeFalse();

        var first = await receiver.ReceiveAsync(TimeSpan.FromSeconds(5));
        var second = await receiver.ReceiveAsync(TimeSpan.FromSeconds(5));
        first.Body.Should().Be("first");
        second.Body.Should().Be("second");
        first.DeliveryTag.Should().HaveCount(16, "the lock token is the delivery tag, a GUID");
        first.DeliveryTag.Should().NotEqual(second.DeliveryTag);
        first.Properties.GroupId.Should().Be("s1");
        ((long)first.MessageAnnotations[new Symbol("x-opt-sequence-number")]).Should().BeLessThan((long)second.MessageAnnotations[new Symbol("x-opt-sequence-number")]);
        first.MessageAnnotations[new Symbol("x-opt-enqueued-time")].Should().BeOfType<DateTime>();
        first.MessageAnnotations[new Symbol("x-opt-locked-until")].Should().BeOfType<DateTime>();
        host.ActiveMessageCount(Subscription).Should().Be(1);
        host.LockedMessageCount(Subscription).Should().Be(2);

        receiver.Accept(first);
        receiver.Reject(second, new Error(new Symbol("com.microsoft:dead-letter")) { Info = new Fields { [new Symbol("DeadLetterReason")] = "Malformed" } });
        await Eventually.TrueAsync(() => host.LockedMessageCount(Subscription) == 0);
        host.DeadLetterMessageCount(Subscription).Should().Be(1);

        await receiver.CloseAsync();
        await Eventually.TrueAsync(() => !host.IsSessionLocked(Subscription, "s1"));
    }

    [Fact]
    public async Task Closing_a_session_receiver_returns_its_unsettled_messages_at_once()
    {
        var connection = await ConnectAsync();
        await SendAsync(connection, Topic, SessionMessage("s1", "one"));
        var (receiver, _) = await AttachSessionReceiverAsync(connection, "s1");
        (await receiver.ReceiveAsync(TimeSpan.FromSeconds(5))).Should().NotBeNull();
        host.LockedMessageCount(Subscription).Should().Be(1);

        await receiver.CloseAsync();

        await Eventually.TrueAsync(() => host.ActiveMessageCount(Subscription) == 1 && host.LockedMessageCount(Subscription) == 0);
        host.IsSessionLocked(Subscription, "s1").Should().BeFalse();
    }

    [Fact]
    public async Task A_second_receiver_on_a_locked_session_is_refused_with_session_cannot_be_locked()
    {
        var connection = await ConnectAsync();
        await AttachSessionReceiverAsync(connection, "s1");

        var attach = () => AttachSessionReceiverAsync(connection, "s1");

        (await attach.Should().ThrowAsync<AmqpException>()).Which.Error.Condition.Should().Be(new Symbol("com.microsoft:session-cannot-be-locked"));
    }

    [Fact]
    public async Task An_unknown_entity_is_refused_with_not_found()
    {
        var connection = await ConnectAsync();
        var sender = new SenderLink(new Session(connection), "sender", "no-such-topic");

        var send = () => sender.SendAsync(new Message("x"));

        (await send.Should().ThrowAsync<AmqpException>()).Which.Error.Condition.Should().Be(new Symbol("amqp:not-found"));
    }

    [Fact]
    public async Task A_message_over_the_maximum_size_is_refused_and_the_connection_keeps_working()
    {
        var connection = await ConnectAsync();
        var sender = new SenderLink(new Session(connection), "sender", Topic);

        var send = () => sender.SendAsync(new Message(new byte[300 * 1024]) { Properties = new Properties { GroupId = "big" } });

        (await send.Should().ThrowAsync<AmqpException>()).Which.Error.Condition.Should().Be(new Symbol("amqp:link:message-size-exceeded"));
        await sender.SendAsync(SessionMessage("small", "fits"));
        host.ActiveMessageCount(Subscription).Should().Be(1);
    }

    [Fact]
    public async Task An_anonymous_connection_without_a_token_is_refused_with_unauthorized_access()
    {
        var connection = await Connection.Factory.CreateAsync(new Address($"amqp://127.0.0.1:{host.Port}"));
        connections.Add(connection);
        var sender = new SenderLink(new Session(connection), "sender", Topic);

        var send = () => sender.SendAsync(SessionMessage("s1", "x"));

        (await send.Should().ThrowAsync<AmqpException>()).Which.Error.Condition.Should().Be(new Symbol("amqp:unauthorized-access"));
    }

    [Fact]
    public async Task Garbage_on_a_socket_does_not_disturb_other_clients()
    {
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync("127.0.0.1", host.Port);
            await socket.SendAsync("GET / HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray(), SocketFlags.None);
        }

        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync("127.0.0.1", host.Port);
            await socket.SendAsync(new byte[] { (byte)'A', (byte)'M', (byte)'Q', (byte)'P', 0, 1, 0, 0, 0xff, 0xff, 0xff, 0xff, 1, 2, 3 }, SocketFlags.None);
        }

        var connection = await ConnectAsync();
        await SendAsync(connection, Topic, SessionMessage("s1", "fine"));
        host.ActiveMessageCount(Subscription).Should().Be(1);
    }

    [Fact]
    public async Task Suspend_drops_connections_and_releases_locks_and_resume_listens_again_with_the_messages_kept()
    {
        var connection = await ConnectAsync();
        await SendAsync(connection, Topic, SessionMessage("s1", "one"), SessionMessage("s1", "two"));
        var (receiver, _) = await AttachSessionReceiverAsync(connection, "s1");
        (await receiver.ReceiveAsync(TimeSpan.FromSeconds(5))).Should().NotBeNull();
        var port = host.Port;

        await host.SuspendAsync();

        host.ActiveMessageCount(Subscription).Should().Be(2);
        host.LockedMessageCount(Subscription).Should().Be(0);
        host.IsSessionLocked(Subscription, "s1").Should().BeFalse();
        await Eventually.TrueAsync(() => connection.IsClosed);
        var connect = () => ConnectAsync();
        await connect.Should().ThrowAsync<Exception>("nothing listens while suspended");

        await host.ResumeAsync();

        host.Port.Should().Be(port);
        var again = await ConnectAsync();
        var (resumed, _) = await AttachSessionReceiverAsync(again, "s1");
        (await resumed.ReceiveAsync(TimeSpan.FromSeconds(5))).Body.Should().Be("one");
        (await resumed.ReceiveAsync(TimeSpan.FromSeconds(5))).Body.Should().Be("two");
    }

    [Fact]
    public async Task A_detach_that_overtakes_a_waiting_next_session_attach_leaves_the_connection_working()
    {
        var connection = await ConnectAsync();
        var attach = new Attach
        {
            Source = new Source { Address = Subscription, FilterSet = new Map { [SessionFilter] = null } },
            Target = new Target { Address = "client" },
            RcvSettleMode = ReceiverSettleMode.Second,
        };
        var waiting = new ReceiverLink(new Session(connection), "next-available", attach, null);
        await Task.Delay(200);

        await waiting.CloseAsync(TimeSpan.FromSeconds(5), null).ContinueWith(_ => { }, TaskScheduler.Default);

        await SendAsync(connection, Topic, SessionMessage("s9", "after"));
        var (receiver, _) = await AttachSessionReceiverAsync(connection, "s9");
        (await receiver.ReceiveAsync(TimeSpan.FromSeconds(5))).Body.Should().Be("after");
    }

    [Fact]
    public async Task Next_available_waits_for_a_session_with_messages_and_skips_locked_ones()
    {
        var connection = await ConnectAsync();
        await SendAsync(connection, Topic, SessionMessage("busy", "1"));
        await AttachSessionReceiverAsync(connection, "busy");
        var attached = new TaskCompletionSource<Attach>(TaskCreationOptions.RunContinuationsAsynchronously);
        var attach = new Attach
        {
            Source = new Source { Address = Subscription, FilterSet = new Map { [SessionFilter] = null } },
            Target = new Target { Address = "client" },
            RcvSettleMode = ReceiverSettleMode.Second,
        };
        _ = new ReceiverLink(new Session(connection), "next-available", attach, (_, remote) => attached.TrySetResult(remote));
        await Task.Delay(300);
        attached.Task.IsCompleted.Should().BeFalse("the only session with messages is locked");

        await SendAsync(connection, Topic, SessionMessage("free", "2"));

        var remote = await attached.Task.WaitAsync(TimeSpan.FromSeconds(5));
        ((Source)remote.Source).FilterSet[SessionFilter].Should().Be("free");
        host.IsSessionLocked(Subscription, "free").Should().BeTrue();
    }

    [Fact]
    public async Task Closed_and_vanished_connections_are_forgotten()
    {
        var graceful = await ConnectAsync();
        await SendAsync(graceful, Topic, SessionMessage("s1", "x"));
        using (var vanishing = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await vanishing.ConnectAsync("127.0.0.1", host.Port);
            await vanishing.SendAsync(new byte[] { (byte)'A', (byte)'M', (byte)'Q', (byte)'P', 0, 1, 0, 0 }, SocketFlags.None);
            await Eventually.TrueAsync(() => host.OpenConnectionCount == 2);
            vanishing.LingerState = new LingerOption(true, 0);
        }

        await graceful.CloseAsync();

        await Eventually.TrueAsync(() => host.OpenConnectionCount == 0);
    }

    async Task<Connection> ConnectAsync()
    {
        var address = new Address("127.0.0.1", host.Port, "RootManageSharedAccessKey", LocalServiceBusOptions.DevelopmentKey, "/", "amqp");
        var connection = await Connection.Factory.CreateAsync(address);
        connections.Add(connection);
        return connection;
    }

    static Message SessionMessage(string sessionId, string body) => new(body) { Properties = new Properties { GroupId = sessionId, MessageId = Guid.NewGuid().ToString() } };

    static async Task SendAsync(Connection connection, string entity, params Message[] messages)
    {
        var sender = new SenderLink(new Session(connection), "sender-" + Guid.NewGuid(), entity);
        foreach (var message in messages)
        {
            await sender.SendAsync(message);
        }

        await sender.CloseAsync();
    }

    static async Task<(ReceiverLink Receiver, Attach RemoteAttach)> AttachSessionReceiverAsync(Connection connection, string sessionId)
    {
        var attached = new TaskCompletionSource<Attach>(TaskCreationOptions.RunContinuationsAsynchronously);
        var attach = new Attach
        {
            Source = new Source { Address = Subscription, FilterSet = new Map { [SessionFilter] = sessionId } },
            Target = new Target { Address = "client" },
            SndSettleMode = SenderSettleMode.Unsettled,
            RcvSettleMode = ReceiverSettleMode.Second,
        };
        var receiver = new ReceiverLink(new Session(connection), "receiver-" + Guid.NewGuid(), attach, (_, remote) => attached.TrySetResult(remote));
        receiver.Closed += (_, error) => attached.TrySetException(new AmqpException(error ?? new Error(new Symbol("amqp:link:detach-forced"))));
        var remote = await attached.Task.WaitAsync(TimeSpan.FromSeconds(10));
        if (remote.Source is null)
        {
            await Eventually.TrueAsync(() => receiver.IsClosed);
            throw new AmqpException(receiver.Error);
        }

        receiver.SetCredit(10, autoRestore: true);
        return (receiver, remote);
    }
}
