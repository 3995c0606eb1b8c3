using System.Buffers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Principal;
using Amqp;
using Amqp.Listener;

namespace SseFunctions.LocalServiceBus.Protocol;

/// <summary>
/// One accepted TCP connection (plain, or TLS over it) under an AMQPNetLite connection: buffered reads (starting with any
/// bytes read during SASL), gathered writes, an abrupt close for simulated outages, and a pause before the first AMQP write
/// after the SASL outcome (the rhea-based SDK stalls when the SASL outcome and the AMQP header arrive in one read).
/// </summary>
public sealed class SocketTransport : IAsyncTransport, IAuthenticated
{
    const int MaxFrameSize = 1024 * 1024;
    static readonly TimeSpan PauseAfterSaslOutcome = TimeSpan.FromMilliseconds(15);
    readonly Socket socket;
    readonly SslStream? tls;
    readonly byte[] readBuffer;
    int readOffset;
    int readCount;
    byte[] frame = new byte[4096];
    int frameOffset;
    int frameRemaining;
    bool headerPassed;
    long firstWriteNotBefore;
    int closed;

    public SocketTransport(Socket socket, SslStream? tls, ReadOnlySpan<byte> alreadyRead, IPrincipal? principal, bool pauseFirstWrite)
    {
        this.socket = socket;
        this.tls = tls;
        readBuffer = new byte[Math.Max(16 * 1024, alreadyRead.Length)];
        alreadyRead.CopyTo(readBuffer);
        readCount = alreadyRead.Length;
        Principal = principal;
        if (pauseFirstWrite)
        {
            firstWriteNotBefore = Environment.TickCount64 + (long)PauseAfterSaslOutcome.TotalMilliseconds;
        }
    }

    public IPrincipal? Principal { get; }

    public event Action<SocketTransport>? Closed;

    /// <summary>The client receivers' flows on this connection, as the client sent them.</summary>
    public ClientFlowTracker Flows { get; } = new();

    public void SetConnection(Connection connection) => Flows.Register(connection);

    public async Task SendAsync(IList<ByteBuffer> bufferList, int listSize)
    {
        if (firstWriteNotBefore != 0)
        {
            var wait = firstWriteNotBefore - Environment.TickCount64;
            firstWriteNotBefore = 0;
            if (wait > 0)
            {
                await Task.Delay((int)wait).ConfigureAwait(false);
            }
        }

        if (bufferList.Count == 1)
        {
            var only = bufferList[0];
            await SendAllAsync(new ReadOnlyMemory<byte>(only.Buffer, only.Offset, only.Length)).ConfigureAwait(false);
            return;
        }

        if (tls is not null)
        {
            await SendTlsAsync(bufferList, listSize).ConfigureAwait(false);
            return;
        }

        var segments = new ArraySegment<byte>[bufferList.Count];
        for (var i = 0; i < segments.Length; i++)
        {
            var buffer = bufferList[i];
            segments[i] = new ArraySegment<byte>(buffer.Buffer, buffer.Offset, buffer.Length);
        }

        var sent = await socket.SendAsync(segments, SocketFlags.None).ConfigureAwait(false);
        if (sent < listSize)
        {
            throw new SocketException((int)SocketError.ConnectionReset);
        }
    }

    /// <summary>Hands AMQPNetLite the protocol header, then whole frames (string keys rewritten, see <see cref="SymbolKeyRewriter"/>).</summary>
    public async Task<int> ReceiveAsync(byte[] buffer, int offset, int count)
    {
        if (frameRemaining == 0)
        {
            await ReadNextUnitAsync().ConfigureAwait(false);
            if (frameRemaining == 0)
            {
                return 0;
            }
        }

        var n = Math.Min(count, frameRemaining);
        Buffer.BlockCopy(frame, frameOffset, buffer, offset, n);
        frameOffset += n;
        frameRemaining -= n;
        return n;
    }

    async Task ReadNextUnitAsync()
    {
        frameOffset = 0;
        if (!headerPassed)
        {
            if (!await FillAsync(frame, 0, 8).ConfigureAwait(false))
            {
                return;
            }

            headerPassed = true;
            frameRemaining = 8;
            return;
        }

        if (!await FillAsync(frame, 0, 4).ConfigureAwait(false))
        {
            return;
        }

        var size = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(frame);
        if (size < 8 || size > MaxFrameSize)
        {
            // Let AMQPNetLite see the bad size and refuse it with a clear error.
            frameRemaining = 4;
            return;
        }

        if (frame.Length < size)
        {
            var larger = new byte[Math.Max(size, frame.Length * 2)];
            Buffer.BlockCopy(frame, 0, larger, 0, 4);
            frame = larger;
        }

        if (!await FillAsync(frame, 4, size - 4).ConfigureAwait(false))
        {
            return;
        }

        SymbolKeyRewriter.Rewrite(frame.AsSpan(0, size));
        Flows.Observe(frame.AsSpan(0, size));
        frameRemaining = size;
    }

    async Task<bool> FillAsync(byte[] target, int offset, int count)
    {
        while (count > 0)
        {
            if (readCount == 0)
            {
                readOffset = 0;
                readCount = tls is null
                    ? await socket.ReceiveAsync(readBuffer.AsMemory(), SocketFlags.None).ConfigureAwait(false)
                    : await tls.ReadAsync(readBuffer.AsMemory()).ConfigureAwait(false);
                if (readCount == 0)
                {
                    return false;
                }
            }

            var n = Math.Min(count, readCount);
            Buffer.BlockCopy(readBuffer, readOffset, target, offset, n);
            readOffset += n;
            readCount -= n;
            offset += n;
            count -= n;
        }

        return true;
    }

    public void Send(ByteBuffer buffer)
    {
        if (tls is null)
        {
            socket.Send(buffer.Buffer, buffer.Offset, buffer.Length, SocketFlags.None);
        }
        else
        {
            tls.Write(buffer.Buffer, buffer.Offset, buffer.Length);
        }
    }

    public int Receive(byte[] buffer, int offset, int count) => throw new NotSupportedException("The broker reads asynchronously.");

    public void Close()
    {
        if (Interlocked.Exchange(ref closed, 1) != 0)
        {
            return;
        }

        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        socket.Dispose();
        tls?.Dispose();
        Closed?.Invoke(this);
    }

    /// <summary>Resets the connection without an AMQP close, as a network outage would.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref closed, 1) != 0)
        {
            return;
        }

        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
        }
        catch (ObjectDisposedException)
        {
        }

        socket.Dispose();
        tls?.Dispose();
        Closed?.Invoke(this);
    }

    /// <summary>One TLS write for the whole list: a record per buffer would cost a record header and a syscall each.</summary>
    async Task SendTlsAsync(IList<ByteBuffer> bufferList, int listSize)
    {
        var joined = ArrayPool<byte>.Shared.Rent(listSize);
        try
        {
            var length = 0;
            foreach (var buffer in bufferList)
            {
                Buffer.BlockCopy(buffer.Buffer, buffer.Offset, joined, length, buffer.Length);
                length += buffer.Length;
            }

            await tls!.WriteAsync(joined.AsMemory(0, length)).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(joined);
        }
    }

    async Task SendAllAsync(ReadOnlyMemory<byte> data)
    {
        if (tls is not null)
        {
            await tls.WriteAsync(data).ConfigureAwait(false);
            return;
        }

        while (data.Length > 0)
        {
            var sent = await socket.SendAsync(data, SocketFlags.None).ConfigureAwait(false);
            if (sent <= 0)
            {
                throw new SocketException((int)SocketError.ConnectionReset);
            }

            data = data[sent..];
        }
    }
}
