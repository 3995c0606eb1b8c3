using Amqp.Framing;
using SseFunctions.LocalServiceBus.Links;

namespace SseFunctions.LocalServiceBus.Entities;

/// <summary>Network work decided under an entity's gate and done after it is released, so no lock is held across I/O.</summary>
public sealed class DeferredWork
{
    List<EntityReceiverLink>? flushes;
    List<(EntityReceiverLink Link, string? SessionId, DateTime LockedUntilUtc, Error? Error)>? attaches;
    List<(EntityReceiverLink Link, Error Error)>? detaches;

    public void Flush(EntityReceiverLink link)
    {
        flushes ??= [];
        if (flushes.Count == 0 || !ReferenceEquals(flushes[^1], link))
        {
            flushes.Add(link);
        }
    }

    public void CompleteAttach(EntityReceiverLink link, string? sessionId, DateTime lockedUntilUtc, Error? error) =>
        (attaches ??= []).Add((link, sessionId, lockedUntilUtc, error));

    public void Detach(EntityReceiverLink link, Error error) => (detaches ??= []).Add((link, error));

    public void Run()
    {
        if (attaches is not null)
        {
            foreach (var (link, sessionId, lockedUntil, error) in attaches)
            {
                if (error is null)
                {
                    link.Entity.MarkAttached(link);
                }

                link.CompleteAttach(sessionId, lockedUntil, error);
            }

            attaches = null;
        }

        if (flushes is not null)
        {
            foreach (var link in flushes)
            {
                link.Flush();
            }

            flushes = null;
        }

        if (detaches is not null)
        {
            foreach (var (link, error) in detaches)
            {
                link.Detach(error);
            }

            detaches = null;
        }
    }
}
