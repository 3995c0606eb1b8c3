using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Amqp;
using Microsoft.Extensions.Logging;

namespace SseFunctions.LocalServiceBus.Protocol;

/// <summary>
/// Accepts TCP connections on one or more ports (plain AMQP, or AMQPS with a certificate), runs TLS and SASL on each
/// concurrently, and hands finished transports to AMQPNetLite's listener (as its custom transport). Can stop listening and
/// reset every connection (an outage) and listen again on the same ports.
/// </summary>
public sealed class TcpAcceptor : TransportProvider
{
    public const string Scheme = "localservicebus";
    static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);
    readonly Channel<IAsyncTransport> negotiated = Channel.CreateUnbounded<IAsyncTransport>();
    readonly ConcurrentDictionary<SocketTransport, byte> live = new();
    readonly ConcurrentDictionary<Socket, Task> negotiations = new();
    readonly SaslNegotiator negotiator;
    readonly ILogger logger;
    readonly Lock gate = new();
    readonly List<Socket> listenSockets = [];
    readonly List<Task> acceptLoops = [];
    readonly CancellationTokenSource disposed = new();
    CancellationTokenSource? listening;

    public TcpAcceptor(SaslNegotiator negotiator, ILogger logger)
    {
        this.negotiator = negotiator;
        this.logger = logger;
        AddressSchemes = [Scheme];
    }

    public int LiveConnectionCount => live.Count;

    /// <summary>
    /// Binds the host (a loopback host also binds its other IP family when it can) and starts accepting, with TLS when a
    /// certificate is given. Returns the bound port (port 0 picks a free one).
    /// </summary>
    public int Listen(string host, int port, X509Certificate2? certificate)
    {
        lock (gate)
        {
            var addresses = ResolveAddresses(host);
            var sockets = new List<Socket>();
            try
            {
                foreach (var address in addresses)
                {
                    var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                    try
                    {
                        if (address.AddressFamily == AddressFamily.InterNetworkV6)
                        {
                            socket.DualMode = false;
                        }

                        AllowRebindWhileConnectionsLinger(socket);
                        socket.Bind(new IPEndPoint(address, port));
                        socket.Listen(512);
                    }
                    catch (SocketException) when (sockets.Count > 0 && IPAddress.IsLoopback(address))
                    {
                        // The secondary loopback family is optional (no IPv6, or the port is taken there).
                        socket.Dispose();
                        continue;
                    }
                    catch
                    {
                        socket.Dispose();
                        throw;
                    }

                    if (port == 0)
                    {
                        port = ((IPEndPoint)socket.LocalEndPoint!).Port;
                    }

                    sockets.Add(socket);
                }
            }
            catch
            {
                foreach (var socket in sockets)
                {
                    socket.Dispose();
                }

                throw;
            }

            listening ??= CancellationTokenSource.CreateLinkedTokenSource(disposed.Token);
            listenSockets.AddRange(sockets);
            foreach (var socket in sockets)
            {
                acceptLoops.Add(AcceptLoopAsync(socket, certificate, listening.Token));
            }

            return port;
        }
    }

    /// <summary>Stops listening; with <paramref name="resetConnections"/>, resets every open connection without an AMQP close.</summary>
    public async Task StopListeningAsync(bool resetConnections)
    {
        Task[] loops;
        CancellationTokenSource? stopped;
        lock (gate)
        {
            stopped = listening;
            listening = null;
            stopped?.Cancel();
            foreach (var socket in listenSockets)
            {
                socket.Dispose();
            }

            listenSockets.Clear();
            loops = [.. acceptLoops];
            acceptLoops.Clear();
        }

        await Task.WhenAll(loops).ConfigureAwait(false);
        await Task.WhenAll(negotiations.Values).ConfigureAwait(false);
        stopped?.Dispose();
        if (resetConnections)
        {
            foreach (var transport in live.Keys)
            {
                transport.Abort();
            }

            while (negotiated.Reader.TryRead(out var pending))
            {
                ((SocketTransport)pending).Abort();
            }
        }
    }

    public override async Task<IAsyncTransport> CreateAsync(Address address)
    {
        try
        {
            return await negotiated.Reader.ReadAsync(disposed.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // AMQPNetLite's accept loop retries at once on errors: park it for good once the broker is disposed.
            await Task.Delay(Timeout.Infinite).ConfigureAwait(false);
            throw;
        }
    }

    public override void Dispose()
    {
        disposed.Cancel();
    }

    /// <summary>
    /// Resume must bind the same port while closed connections sit in TIME_WAIT. Linux needs SO_REUSEADDR for that
    /// (set raw: .NET's ReuseAddress also sets SO_REUSEPORT there, which would let a second broker share the port).
    /// </summary>
    static void AllowRebindWhileConnectionsLinger(Socket socket)
    {
        if (OperatingSystem.IsLinux())
        {
            const int SolSocket = 1;
            const int SoReuseAddr = 2;
            socket.SetRawSocketOption(SolSocket, SoReuseAddr, BitConverter.GetBytes(1));
        }
    }

    static IPAddress[] ResolveAddresses(string host)
    {
        if (host is "localhost" or "127.0.0.1")
        {
            return [IPAddress.Loopback, IPAddress.IPv6Loopback];
        }

        if (host is "::1" or "[::1]")
        {
            return [IPAddress.IPv6Loopback, IPAddress.Loopback];
        }

        if (host is "*" or "0.0.0.0" or "+")
        {
            return [IPAddress.Any];
        }

        return IPAddress.TryParse(host, out var parsed) ? [parsed] : Dns.GetHostAddresses(host);
    }

    async Task AcceptLoopAsync(Socket listenSocket, X509Certificate2? certificate, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listenSocket.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException exception)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                logger.LogWarning("Accept failed: {Error}", exception.SocketErrorCode);
                continue;
            }

            socket.NoDelay = true;
            negotiations[socket] = NegotiateAsync(socket, certificate, cancellationToken);
        }
    }

    /// <summary>Never throws: a client that fails TLS or SASL only loses its own socket. Tracked until done, awaited on stop.</summary>
    async Task NegotiateAsync(Socket socket, X509Certificate2? certificate, CancellationToken cancellationToken)
    {
        // Let the accept loop register this task before it can finish and unregister itself.
        await Task.Yield();
        try
        {
            await NegotiateCoreAsync(socket, certificate, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            negotiations.TryRemove(socket, out _);
        }
    }

    async Task NegotiateCoreAsync(Socket socket, X509Certificate2? certificate, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(HandshakeTimeout);
        SocketTransport? transport = null;
        SslStream? tls = null;
        try
        {
            Stream stream = new NetworkStream(socket, ownsSocket: false);
            if (certificate is not null)
            {
                tls = new SslStream(stream, leaveInnerStreamOpen: false);
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, timeout.Token).ConfigureAwait(false);
                stream = tls;
            }

            transport = await negotiator.NegotiateAsync(socket, stream, tls, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is SocketException or IOException or AuthenticationException or OperationCanceledException or ObjectDisposedException)
        {
            logger.LogDebug("{Handshake} handshake with a client failed: {Error}", tls is null ? "SASL" : "TLS or SASL", exception.Message);
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "The handshake with a client failed unexpectedly");
        }

        if (transport is null)
        {
            tls?.Dispose();
            socket.Dispose();
            return;
        }

        live[transport] = 0;
        transport.Closed += t => live.TryRemove(t, out _);
        if (!negotiated.Writer.TryWrite(transport))
        {
            transport.Abort();
        }
    }
}
