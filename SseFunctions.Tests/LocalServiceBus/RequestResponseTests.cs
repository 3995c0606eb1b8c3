using Amqp;
using Amqp.Framing;
using Amqp.Types;
using SseFunctions.LocalServiceBus;
using SseFunctions.LocalServiceBus.Security;

namespace SseFunctions.Tests.LocalServiceBus;

/// <summary>$cbs and $management as the SDKs use them: the reply link is found by the request's reply-to, as its name.</summary>
public sealed class RequestResponseTests : IAsyncLifetime
{
    const string Subscription = "token-streams/Subscriptions/sse-service-token-streams";
    LocalServiceBusHost host = null!;
    Connection connection = null!;

    public async Task InitializeAsync()
    {
        host = await LocalServiceBusHost.StartAsync(new LocalServiceBusOptions { Port = 0 });
        connection = await Connection.Factory.CreateAsync(new Address($"amqp://127.0.0.1:{host.Port}"));
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
    }

    [Fact]
    public async Task Put_token_with_a_valid_SAS_token_is_accepted_and_authorizes_the_entity()
    {
        var audience = $"sb://localhost:{host.Port}/token-streams";
        var token = SharedAccessSignature.CreateToken(audience, "RootManageSharedAccessKey", LocalServiceBusOptions.DevelopmentKey, DateTimeOffset.UtcNow.AddHours(1));

        var reply = await RequestAsync("$cbs", PutToken(audience, token), messageId: 17UL);

        reply.ApplicationProperties["status-code"].Should().Be(202);
        reply.Properties.GetCorrelationId().Should().Be(17UL, "the correlation id is the request's message id, whatever its type");
        var sender = new SenderLink(new Session(connection), "sender", "token-streams");
        await sender.SendAsync(new Message("authorized") { Properties = new Properties { GroupId = "s1" } });
        host.ActiveMessageCount(Subscription).Should().Be(1);
    }

    [Fact]
    public async Task Put_token_with_a_wrong_signature_is_refused_with_401()
    {
        var audience = $"sb://localhost:{host.Port}/token-streams";
        var token = SharedAccessSignature.CreateToken(audience, "RootManageSharedAccessKey", "wrong-key", DateTimeOffset.UtcNow.AddHours(1));

        var reply = await RequestAsync("$cbs", PutToken(audience, token), messageId: Guid.NewGuid());

        reply.ApplicationProperties["status-code"].Should().Be(401);
        ((string)reply.ApplicationProperties["status-description"]).Should().NotContain("wrong-key");
    }

    [Fact]
    public async Task An_unknown_management_operation_is_answered_with_501_and_the_connection_lives_on()
    {
        await AuthorizeAsync("token-streams");
        var request = new Message(new Map()) { ApplicationProperties = new ApplicationProperties() };
        request.ApplicationProperties["operation"] = "com.microsoft:no-such-operation";

        var reply = await RequestAsync(Subscription + "/$management", request, messageId: "m1");

        reply.ApplicationProperties["statusCode"].Should().Be(501);
        reply.ApplicationProperties["errorCondition"].Should().Be(new Symbol("amqp:not-implemented"));
        var renew = new Message(new Map { ["session-id"] = "not-locked" }) { ApplicationProperties = new ApplicationProperties() };
        renew.ApplicationProperties["operation"] = "com.microsoft:renew-session-lock";
        var renewReply = await RequestAsync(Subscription + "/$management", renew, messageId: "m2");
        renewReply.ApplicationProperties["statusCode"].Should().Be(410);
        renewReply.ApplicationProperties["errorCondition"].Should().Be(new Symbol("com.microsoft:session-lock-lost"));
    }

    [Fact]
    public async Task A_put_token_without_reply_to_is_answered_on_the_cbs_receiver_of_the_same_session()
    {
        // uamqp (the Python SDK) sends no reply-to: its $cbs receiver on the request's AMQP session gets the reply.
        var audience = $"sb://localhost/token-streams";
        var token = SharedAccessSignature.CreateToken(audience, "RootManageSharedAccessKey", LocalServiceBusOptions.DevelopmentKey, DateTimeOffset.UtcNow.AddHours(1));
        var otherSession = new Session(connection);
        var otherReceiver = new ReceiverLink(otherSession, "cbs-elsewhere", "$cbs");
        otherReceiver.SetCredit(10);

        var reply = await RequestWithoutReplyToAsync("$cbs", PutToken(audience, token));

        reply.ApplicationProperties["status-code"].Should().Be(202);
        (await otherReceiver.ReceiveAsync(TimeSpan.FromMilliseconds(300))).Should().BeNull("the reply goes to the requester's session only");
    }

    [Fact]
    public async Task A_management_request_without_reply_to_is_answered_on_the_nodes_receiver_of_the_same_session()
    {
        await AuthorizeAsync("token-streams");
        var request = new Message(new Map { ["session-id"] = "not-locked" }) { ApplicationProperties = new ApplicationProperties() };
        request.ApplicationProperties["operation"] = "com.microsoft:get-session-state";

        var reply = await RequestWithoutReplyToAsync(Subscription + "/$management", request);

        reply.ApplicationProperties["statusCode"].Should().Be(410);
    }

    async Task<Message> RequestWithoutReplyToAsync(string node, Message request)
    {
        var session = new Session(connection);
        var receiver = new ReceiverLink(session, "replies-" + Guid.NewGuid(), node);
        receiver.SetCredit(10);
        var sender = new SenderLink(session, "requests-" + Guid.NewGuid(), node);
        request.Properties = new Properties { MessageId = "no-reply-to" };
        await sender.SendAsync(request);
        var reply = await receiver.ReceiveAsync(TimeSpan.FromSeconds(10));
        reply.Should().NotBeNull("the broker replies on the node's receiver of the request's session");
        reply.Properties.GetCorrelationId().Should().Be("no-reply-to");
        receiver.Accept(reply);
        return reply;
    }

    async Task AuthorizeAsync(string entity)
    {
        var audience = $"sb://localhost:{host.Port}/{entity}";
        var token = SharedAccessSignature.CreateToken(audience, "RootManageSharedAccessKey", LocalServiceBusOptions.DevelopmentKey, DateTimeOffset.UtcNow.AddHours(1));
        (await RequestAsync("$cbs", PutToken(audience, token), messageId: "auth")).ApplicationProperties["status-code"].Should().Be(202);
    }

    static Message PutToken(string audience, string token)
    {
        var request = new Message(token) { ApplicationProperties = new ApplicationProperties() };
        request.ApplicationProperties["operation"] = "put-token";
        request.ApplicationProperties["type"] = "servicebus.windows.net:sastoken";
        request.ApplicationProperties["name"] = audience;
        return request;
    }

    /// <summary>Like the JS SDK: the reply link's name is the reply-to address and it has no target address.</summary>
    async Task<Message> RequestAsync(string node, Message request, object messageId)
    {
        var replyTo = "reply-" + Guid.NewGuid();
        var session = new Session(connection);
        var receiver = new ReceiverLink(session, replyTo, new Attach { Source = new Source { Address = node }, Target = new Target() }, null);
        receiver.SetCredit(10);
        var sender = new SenderLink(session, "request-" + Guid.NewGuid(), node);
        request.Properties = new Properties { ReplyTo = replyTo };
        request.Properties.SetMessageId(messageId);
        await sender.SendAsync(request);
        var reply = await receiver.ReceiveAsync(TimeSpan.FromSeconds(10));
        reply.Should().NotBeNull("the broker replies on the link named by reply-to");
        receiver.Accept(reply);
        await sender.CloseAsync();
        await receiver.CloseAsync();
        return reply;
    }
}
