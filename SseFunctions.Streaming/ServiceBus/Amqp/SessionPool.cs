using Amqp;
using Amqp.Framing;

namespace SseFunctions.Streaming.ServiceBus.Amqp;

/// <summary>
/// The AMQP sessions of one connection, each carrying up to <see cref="LinksPerSession"/> links.
/// Why a pool and not one session per link (what the official SDK does): at 10,000 session receivers a session per link
/// would need 10,000 begin/end round trips, channel-max above what many brokers grant (AMQPNetLite's listener: 256), and
/// per-session windows and delivery lists; one single session would put every delivery of the process on one session
/// window and one lock. A few hundred links per session keeps both small, and a session ended by the broker only
/// takes its own links with it (their receivers then report a communication problem and are re-accepted).
/// </summary>
internal sealed class SessionPool
{
    public const int LinksPerSession = 256;
    private readonly Connection _connection;
    private readonly List<Entry> _sessions = [];
    private readonly object _gate = new();

    public SessionPool(Connection connection) => _connection = connection;

    public int SessionCount
    {
        get
        {
            lock (_gate)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>A session with room for <paramref name="links"/> more links; call <see cref="Return"/> (with the same count) when they are closed.</summary>
    public Session Rent(int links = 1)
    {
        lock (_gate)
        {
            Entry? best = null;
            for (var i = _sessions.Count - 1; i >= 0; i--)
            {
                var entry = _sessions[i];
                if (entry.Session.IsClosed)
                {
                    _sessions.RemoveAt(i);
                    continue;
                }

                if (entry.Links + links <= entry.Capacity && (best is null || entry.Links < best.Links))
                {
                    best = entry;
                }
            }

            if (best is null)
            {
                best = new Entry();
                best.Session = new Session(
                    _connection,
                    new Begin
                    {
                        IncomingWindow = 8192,
                        OutgoingWindow = 8192,
                        // slack above LinksPerSession: a closed link's handle is freed only when the broker answers its detach.
                        HandleMax = (LinksPerSession * 4) - 1,
                        NextOutgoingId = uint.MaxValue - 2u,
                    },
                    best.OnBegin);
                _sessions.Add(best);
            }

            best.Links += links;
            return best.Session;
        }
    }

    public void Return(Session session, int links = 1)
    {
        lock (_gate)
        {
            foreach (var entry in _sessions)
            {
                if (ReferenceEquals(entry.Session, session))
                {
                    entry.Links -= links;
                    return;
                }
            }
        }
    }

    private sealed class Entry
    {
        public Session Session = null!;
        public int Links;
        public int Capacity = LinksPerSession;

        public void OnBegin(ISession session, Begin begin)
        {
            var remote = begin.HandleMax >= int.MaxValue ? int.MaxValue : (int)begin.HandleMax + 1;
            if (remote < Capacity)
            {
                Capacity = Math.Max(1, remote);
            }
        }
    }
}
