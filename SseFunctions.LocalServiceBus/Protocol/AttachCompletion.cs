using System.Reflection;
using Amqp.Framing;
using Amqp.Listener;

namespace SseFunctions.LocalServiceBus.Protocol;

/// <summary>
/// Completes an attach with a <see cref="LinkEndpoint"/>, as AMQPNetLite's ContainerHost does through <see cref="AttachContext"/>.
/// Its constructor is internal to AMQPNetLite (2.5.5, pinned centrally), hence the one reflective call.
/// </summary>
public static class AttachCompletion
{
    static readonly ConstructorInfo AttachContextConstructor =
        typeof(AttachContext).GetConstructor(BindingFlags.Instance | BindingFlags.NonPublic, [typeof(ListenerLink), typeof(Attach)])
        ?? throw new MissingMethodException("AMQPNetLite's AttachContext(ListenerLink, Attach) constructor is missing: check the AMQPNetLite version.");

    public static void Complete(ListenerLink link, Attach attach, LinkEndpoint endpoint)
    {
        var context = (AttachContext)AttachContextConstructor.Invoke([link, attach]);
        context.Complete(endpoint, 0);
    }
}
