using System.Buffers.Binary;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Principal;
using System.Text;
using Encoder = Amqp.Types.Encoder;
using Amqp;
using Amqp.Sasl;
using Amqp.Types;
using Microsoft.Extensions.Logging;

namespace SseFunctions.LocalServiceBus.Protocol;

/// <summary>
/// The SASL layer, done by the broker before AMQPNetLite takes the connection: ANONYMOUS and MSSBCBS (then $cbs put-token),
/// PLAIN with the shared access key name and key (full access). Clients that skip SASL are treated as anonymous.
/// </summary>
public sealed class SaslNegotiator(string keyName, string key, ILogger logger)
{
    const int MaxSaslFrameSize = 64 * 1024;
    static readonly byte[] SaslHeader = [(byte)'A', (byte)'M', (byte)'Q', (byte)'P', 3, 1, 0, 0];
    static readonly byte[] AmqpHeader = [(byte)'A', (byte)'M', (byte)'Q', (byte)'P', 0, 1, 0, 0];
    static readonly Symbol Anonymous = "ANONYMOUS";
    static readonly Symbol Plain = "PLAIN";
    static readonly Symbol ServiceBusCbs = "MSSBCBS";

    /// <summary>
    /// Returns the transport for AMQPNetLite, or null when the client failed or was refused (the caller closes the socket).
    /// <paramref name="stream"/> is the socket's stream: a <see cref="NetworkStream"/>, or the <paramref name="tls"/> stream over it.
    /// </summary>
    public async Task<SocketTransport?> NegotiateAsync(Socket socket, Stream stream, SslStream? tls, CancellationToken cancellationToken)
    {
        var reader = new ExactReader(stream);
        var header = await reader.ReadExactlyAsync(8, cancellationToken).ConfigureAwait(false);
        if (header.AsSpan().SequenceEqual(AmqpHeader))
        {
            return new SocketTransport(socket, tls, header, principal: null, pauseFirstWrite: false);
        }

        if (!header.AsSpan().SequenceEqual(SaslHeader))
        {
            logger.LogWarning("Connection from {Remote} refused: not an AMQP 1.0 protocol header", socket.RemoteEndPoint);
            await SendAsync(stream, [SaslHeader], cancellationToken).ConfigureAwait(false);
            return null;
        }

        await SendAsync(stream, [SaslHeader, EncodeFrame(new SaslMechanisms { SaslServerMechanisms = [ServiceBusCbs, Plain, Anonymous] })], cancellationToken).ConfigureAwait(false);

        var sizeBytes = await reader.ReadExactlyAsync(4, cancellationToken).ConfigureAwait(false);
        var size = BinaryPrimitives.ReadInt32BigEndian(sizeBytes);
        if (size < 8 || size > MaxSaslFrameSize)
        {
            logger.LogWarning("Connection from {Remote} refused: bad SASL frame size {Size}", socket.RemoteEndPoint, size);
            return null;
        }

        var frame = await reader.ReadExactlyAsync(size - 4, cancellationToken).ConfigureAwait(false);
        var dataOffset = (frame[0] * 4) - 4;
        if (dataOffset < 4 || dataOffset >= frame.Length || frame[1] != 1)
        {
            logger.LogWarning("Connection from {Remote} refused: malformed SASL frame", socket.RemoteEndPoint);
            return null;
        }

        SaslInit? init;
        try
        {
            init = Encoder.ReadObject(new ByteBuffer(frame, dataOffset, frame.Length - dataOffset, frame.Length)) as SaslInit;
        }
        catch (Exception exception) when (exception is AmqpException or InvalidOperationException or IndexOutOfRangeException or ArgumentException)
        {
            init = null;
        }

        if (init is null)
        {
            logger.LogWarning("Connection from {Remote} refused: expected sasl-init", socket.RemoteEndPoint);
            return null;
        }

        IPrincipal? principal = null;
        var code = SaslCode.Ok;
        if (Plain.Equals(init.Mechanism))
        {
            if (TryReadPlain(init.InitialResponse, out var user, out var password) &&
                FixedTimeEquals(user, keyName) & FixedTimeEquals(password, key))
            {
                principal = new GenericPrincipal(new GenericIdentity(user, "PLAIN"), []);
            }
            else
            {
                code = SaslCode.Auth;
            }
        }
        else if (!Anonymous.Equals(init.Mechanism) && !ServiceBusCbs.Equals(init.Mechanism))
        {
            code = SaslCode.Auth;
        }

        await SendAsync(stream, [EncodeFrame(new SaslOutcome { Code = code })], cancellationToken).ConfigureAwait(false);
        if (code != SaslCode.Ok)
        {
            logger.LogWarning("SASL {Mechanism} refused for {Remote}", init.Mechanism, socket.RemoteEndPoint);
            return null;
        }

        return new SocketTransport(socket, tls, reader.Remaining, principal, pauseFirstWrite: true);
    }

    /// <summary>Compares secrets without an early exit, so timing does not tell how much of a guess was right.</summary>
    static bool FixedTimeEquals(string actual, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(actual), Encoding.UTF8.GetBytes(expected));

    static bool TryReadPlain(byte[]? response, out string user, out string password)
    {
        user = password = "";
        if (response is null)
        {
            return false;
        }

        var parts = Encoding.UTF8.GetString(response).Split('\0');
        if (parts.Length != 3)
        {
            return false;
        }

        (user, password) = (parts[1], parts[2]);
        return true;
    }

    static byte[] EncodeFrame(DescribedList command)
    {
        var buffer = new ByteBuffer(256, true);
        AmqpBitConverter.WriteUInt(buffer, 0);
        AmqpBitConverter.WriteUByte(buffer, 2);
        AmqpBitConverter.WriteUByte(buffer, 1);
        AmqpBitConverter.WriteUShort(buffer, 0);
        Encoder.WriteObject(buffer, command);
        var bytes = buffer.Buffer.AsSpan(buffer.Offset, buffer.Length).ToArray();
        BinaryPrimitives.WriteInt32BigEndian(bytes, bytes.Length);
        return bytes;
    }

    static async Task SendAsync(Stream stream, byte[][] parts, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(parts.SelectMany(p => p).ToArray(), cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads exact byte counts and keeps what arrived beyond them for the AMQP layer.</summary>
    sealed class ExactReader(Stream stream)
    {
        readonly byte[] buffer = new byte[MaxSaslFrameSize + 512];
        int start;
        int end;

        public ReadOnlySpan<byte> Remaining => buffer.AsSpan(start, end - start);

        public async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
        {
            while (end - start < count)
            {
                if (end == buffer.Length)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }

                var read = await stream.ReadAsync(buffer.AsMemory(end), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new EndOfStreamException("The client closed the connection during SASL.");
                }

                end += read;
            }

            var result = buffer.AsSpan(start, count).ToArray();
            start += count;
            return result;
        }
    }
}
