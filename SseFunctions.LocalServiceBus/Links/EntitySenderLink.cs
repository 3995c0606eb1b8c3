using Amqp;
using Amqp.Framing;
using Amqp.Listener;
using Microsoft.Extensions.Logging;
using SseFunctions.LocalServiceBus.Protocol;
using SseFunctions.LocalServiceBus.Entities;

namespace SseFunctions.LocalServiceBus.Links;

/// <summary>A client's sender to a queue or topic (the broker receives): stores each message, fanning out to subscriptions.</summary>
public sealed class EntitySenderLink
{
    const uint BatchMessageFormat = 0x80013700;
    const int MaxSessionIdLength = 128;
    static readonly Accepted AcceptedOutcome = new();
    readonly MessageEntity? queue;
    readonly Topic? topic;
    readonly TimeProvider time;
    readonly ILogger logger;

    public EntitySenderLink(MessageEntity? queue, Topic? topic, TimeProvider time, ILogger logger)
    {
        this.queue = queue;
        this.topic = topic;
        this.time = time;
        this.logger = logger;
    }

    public const int Credit = 500;

    public void OnMessage(ListenerLink link, Message message)
    {
        DeliveryState outcome;
        try
        {
            outcome = Store(message);
        }
        catch (Exception exception) when (exception is AmqpException or InvalidCastException or ArgumentException or InvalidOperationException)
        {
            logger.LogWarning("A message to {Entity} was refused: {Error}", EntityName, exception.Message);
            outcome = Reject(ErrorConditions.DecodeError, "The message could not be read: " + exception.Message);
        }

        try
        {
            link.DisposeMessage(message, outcome, true);
        }
        catch (Exception exception) when (exception is AmqpException or ObjectDisposedException or InvalidOperationException)
        {
            logger.LogDebug("Settling a message on {Entity} failed: {Error}", EntityName, exception.Message);
        }
    }

    string EntityName => queue?.Path ?? topic!.Name;

    DeliveryState Store(Message message)
    {
        if (message is UnreadableMessage unreadable)
        {
            return Reject(unreadable.Condition, unreadable.Description);
        }

        IReadOnlyList<Message> messages = message.Format == BatchMessageFormat ? Unbatch(message) : [message];
        foreach (var single in messages)
        {
            if (single.Properties?.GroupId is { Length: > MaxSessionIdLength })
            {
                return Reject(ErrorConditions.ArgumentError, $"The session id is longer than {MaxSessionIdLength} characters.");
            }

            if (queue is { Properties.RequiresSession: true } && single.Properties?.GroupId is null)
            {
                return Reject(ErrorConditions.NotAllowed, $"The queue '{queue.Path}' requires sessions: set a session id on the message.");
            }
        }

        var work = new DeferredWork();
        var now = time.GetUtcNow().UtcDateTime;
        foreach (var single in messages)
        {
            if (queue is not null)
            {
                queue.Enqueue(new BrokeredMessagePayload(single, now, queue.Properties.DefaultMessageTimeToLive), queue.NextSequenceNumber(), work);
            }
            else
            {
                var payload = new BrokeredMessagePayload(single, now, topic!.DefaultMessageTimeToLive);
                var sequenceNumber = topic.NextSequenceNumber();
                foreach (var subscription in topic.Subscriptions)
                {
                    subscription.Enqueue(payload, sequenceNumber, work);
                }
            }
        }

        work.Run();
        return AcceptedOutcome;
    }

    static List<Message> Unbatch(Message batch)
    {
        var result = new List<Message>();
        switch (batch.BodySection)
        {
            case Data data:
                result.Add(Decode(data));
                break;
            case DataList list:
                for (var i = 0; i < list.Count; i++)
                {
                    result.Add(Decode(list[i]));
                }

                break;
            default:
                throw new InvalidOperationException("A batch message must carry its messages in data sections.");
        }

        return result;
    }

    static Message Decode(Data data)
    {
        var bytes = data.Binary;
        return Message.Decode(new ByteBuffer(bytes, 0, bytes.Length, bytes.Length));
    }

    static Rejected Reject(Amqp.Types.Symbol condition, string description) =>
        new() { Error = new Error(condition) { Description = description } };
}
