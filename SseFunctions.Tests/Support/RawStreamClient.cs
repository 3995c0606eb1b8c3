using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SseFunctions.Tests.Support;

/// <summary>
/// A stream request on a plain socket, for clients no HttpClient plays: one that never reads (a frozen tab, a dead NAT),
/// with a small receive window so that the service's writes back up soon; or one that resets its connection mid-answer.
/// </summary>
public sealed class RawStreamClient : IAsyncDisposable
{
    private readonly Socket socket;
    private readonly StringBuilder received = new();

    private RawStreamClient(Socket socket) => this.socket = socket;

    public string Received => received.ToString();

    public static async Task<RawStreamClient> ConnectAsync(Uri baseAddress, string path, int receiveBufferBytes = 4096)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = receiveBufferBytes };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, baseAddress.Port));
        var request = $"GET {path} HTTP/1.1\r\nHost: {baseAddress.Authority}\r\nAccept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n";
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None);
        return new RawStreamClient(socket);
    }

    /// <summary>Reads until what was received contains <paramref name="text"/>.</summary>
    public async Task ReadUntilAsync(string text, TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        var buffer = new byte[4096];
        while (!received.ToString().Contains(text, StringComparison.Ordinal))
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancellation.Token);
            if (read == 0)
            {
                throw new EndOfStreamException($"The connection closed before '{text}'; received: {received}");
            }

            received.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }
    }

    /// <summary>Reads (and discards) until the service closes or resets the connection; false when it has not within
    /// <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitUntilClosedByServerAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        var buffer = new byte[64 * 1024];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, cancellation.Token) > 0)
            {
            }

            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Leaves as a crashed client or a dropped NAT mapping does: a reset, no FIN, nothing read any more.</summary>
    public void Reset()
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
