using System.Net;
using System.Net.Sockets;

namespace SseFunctions.Tests.Support;

/// <summary>
/// A loopback TCP relay between the service and its broker, to break the network on purpose: cut every connection
/// at once (a reset, as when a NAT or a load balancer drops them), or hold back what the service sends (its
/// settlements and lock renewals reach the broker late, or never) while what the broker sends still flows.
/// </summary>
public sealed class TcpRelay : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint target;
    private readonly List<Link> links = [];
    private readonly CancellationTokenSource stopping = new();
    private readonly Task accepting;
    private TaskCompletionSource upstream = Open();

    public TcpRelay(int targetPort)
    {
        target = new IPEndPoint(IPAddress.Loopback, targetPort);
        listener.Start();
        accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    /// <summary>Connections relayed so far (a reconnect after a cut is a new one).</summary>
    public int ConnectionCount
    {
        get { lock (links) { return links.Count; } }
    }

    /// <summary>The connection string of <paramref name="brokerConnectionString"/>, through this relay.</summary>
    public string ConnectionString(string brokerConnectionString) =>
        brokerConnectionString.Replace($":{target.Port};", $":{Port};", StringComparison.Ordinal);

    /// <summary>From now on nothing the service sends is passed on (it waits in the relay's socket) until <see cref="ReleaseUpstream"/>.</summary>
    public void HoldUpstream()
    {
        lock (links)
        {
            if (upstream.Task.IsCompleted)
            {
                upstream = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    public void ReleaseUpstream()
    {
        lock (links)
        {
            upstream.TrySetResult();
        }
    }

    /// <summary>Resets every open connection, both ways; what was held back is lost with them. New connections are relayed.</summary>
    public void CutAll()
    {
        Link[] open;
        lock (links)
        {
            open = [.. links];
        }

        foreach (var link in open)
        {
            link.Cut();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        listener.Stop();
        CutAll();
        ReleaseUpstream();
        await accepting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        Link[] all;
        lock (links)
        {
            all = [.. links];
        }

        await Task.WhenAll(all.Select(link => link.Completion));
        stopping.Dispose();
    }

    private static TaskCompletionSource Open()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }

    private Task WhenUpstreamOpen()
    {
        lock (links)
        {
            return upstream.Task;
        }
    }

    private async Task AcceptAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            var client = await listener.AcceptSocketAsync(stopping.Token);
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            client.NoDelay = true;
            try
            {
                await server.ConnectAsync(target, stopping.Token);
            }
            catch (SocketException)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }

            var link = new Link(this, client, server);
            lock (links)
            {
                links.Add(link);
            }

            link.Start();
        }
    }

    private sealed class Link(TcpRelay relay, Socket client, Socket server)
    {
        private int cut;

        public Task Completion { get; private set; } = Task.CompletedTask;

        public void Start() => Completion = Task.WhenAll(PumpAsync(client, server, heldBack: true), PumpAsync(server, client, heldBack: false));

        public void Cut()
        {
            if (Interlocked.Exchange(ref cut, 1) == 1)
            {
                return;
            }

            foreach (var socket in new[] { client, server })
            {
                try
                {
                    socket.LingerState = new LingerOption(true, 0);
                }
                catch (ObjectDisposedException)
                {
                }

                socket.Dispose();
            }
        }

        private async Task PumpAsync(Socket from, Socket to, bool heldBack)
        {
            var buffer = new byte[16 * 1024];
            try
            {
                while (true)
                {
                    if (heldBack)
                    {
                        await relay.WhenUpstreamOpen();
                    }

                    var read = await from.ReceiveAsync(buffer, SocketFlags.None);
                    if (read == 0)
                    {
                        break;
                    }

                    if (heldBack)
                    {
                        // Held while this chunk was on its way in: it waits too.
                        await relay.WhenUpstreamOpen();
                    }

                    await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None);
                }
            }
            catch (Exception exception) when (exception is SocketException or ObjectDisposedException or IOException)
            {
            }

            Cut();
        }
    }
}
