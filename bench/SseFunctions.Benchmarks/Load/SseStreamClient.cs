using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace SseFunctions.Benchmarks.Load;

/// <summary>
/// One browser-like SSE stream: a GET that stays open, its body parsed for real by <see cref="SseFrameParser"/>.
/// A token's receipt time is when the read that brought its bytes returned.
/// </summary>
public sealed class SseStreamClient(HttpClient http, Uri baseAddress, StreamAddress address) : TokenStream(address), ISseEventHandler
{
    private const int ReadBufferSize = 4096;

    private readonly CancellationTokenSource disconnect = new();
    private HttpResponseMessage? response;
    private Stream? body;
    private long receivedAt;

    /// <summary>Sends the request and waits for the response headers; false (with a failure) when it is not a 200 event stream.</summary>
    public override async Task<bool> OpenAsync(CancellationToken cancellationToken)
    {
        OpenStartedAt = Stopwatch.GetTimestamp();
        try
        {
            var request = new HttpRequestMessage(HttpMethod.Get, new Uri(baseAddress, Address.Path));
            request.Headers.Accept.ParseAdd("text/event-stream");
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            OpenedAt = Stopwatch.GetTimestamp();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                SetFailure($"HTTP {(int)response.StatusCode}");
                return false;
            }

            body = await response.Content.ReadAsStreamAsync(cancellationToken);
            return true;
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            SetFailure(exception.GetType().Name + ": " + exception.Message);
            return false;
        }
    }

    /// <summary>Cancels the pending read, which aborts the connection.</summary>
    public override void Disconnect()
    {
        try
        {
            disconnect.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Disposed: already disconnected.
        }

        body?.Dispose();
        response?.Dispose();
    }

    public void OnEvent(ReadOnlySpan<byte> data, ReadOnlySpan<byte> lastEventId)
    {
        if (data.SequenceEqual("__END__"u8))
        {
            RecordEnd(receivedAt);
            return;
        }

        var reader = new Utf8JsonReader(data);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject || !reader.Read() || reader.TokenType != JsonTokenType.PropertyName)
        {
            RecordFailure(receivedAt, "a data frame that is not a JSON object: " + Encoding.UTF8.GetString(data));
            return;
        }

        var isToken = reader.ValueTextEquals("token"u8);
        var isError = reader.ValueTextEquals("error"u8);
        if (!reader.Read() || reader.TokenType != JsonTokenType.String || !(isToken || isError))
        {
            RecordFailure(receivedAt, "an unexpected frame: " + Encoding.UTF8.GetString(data));
            return;
        }

        if (isError)
        {
            RecordFailure(receivedAt, "error frame: " + reader.GetString());
            return;
        }

        RecordToken(receivedAt, reader.ValueIsEscaped ? [] : reader.ValueSpan);
    }

    public void OnComment(ReadOnlySpan<byte> text)
    {
        // `: connected` and `: keep-alive`: nothing to measure.
    }

    protected override void Dispose(bool disposing) => disconnect.Dispose();

    protected override async Task ReadToEndAsync(CancellationToken cancellationToken)
    {
        if (body is null)
        {
            return;
        }

        var parser = new SseFrameParser(this);
        var buffer = ArrayPool<byte>.Shared.Rent(ReadBufferSize);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, disconnect.Token);
        try
        {
            while (!HasEnded)
            {
                var read = await body.ReadAsync(buffer, stop.Token);
                receivedAt = Stopwatch.GetTimestamp();
                if (read == 0)
                {
                    SetFailure("the response ended without __END__");
                    return;
                }

                parser.Feed(buffer.AsSpan(0, read));
            }
        }
        catch (Exception exception) when (exception is IOException or HttpRequestException or ObjectDisposedException or OperationCanceledException)
        {
            SetFailure(disconnect.IsCancellationRequested ? "disconnected by the client"
                : cancellationToken.IsCancellationRequested ? "not ended in time"
                : "connection lost: " + exception.Message);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
