using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace SseFunctions.Benchmarks.Load;

/// <summary>
/// One browser-like SSE stream: a GET that stays open, its body parsed for real by <see cref="SseFrameParser"/>.
/// For every token it records publish-to-receipt (receipt = when the read that brought the bytes returned), and it
/// notes when the response started, when the first token came and how the stream ended.
/// </summary>
public sealed class SseStreamClient(HttpClient http, Uri baseAddress, StreamAddress address) : ISseEventHandler, IDisposable
{
    private const int ReadBufferSize = 4096;

    private readonly List<long> latencyTicks = [];
    private readonly TaskCompletionSource firstToken = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource disconnect = new();
    private HttpResponseMessage? response;
    private Stream? body;
    private long receivedAt;

    public StreamAddress Address { get; } = address;

    /// <summary>When the request was sent (Stopwatch ticks).</summary>
    public long OpenStartedAt { get; private set; }

    /// <summary>When the status line and headers arrived.</summary>
    public long OpenedAt { get; private set; }

    /// <summary>When the first token event arrived; 0 until then.</summary>
    public long FirstTokenAt { get; private set; }

    /// <summary>When <c>__END__</c> or an error frame arrived; 0 until then.</summary>
    public long EndedAt { get; private set; }

    public int TokensReceived { get; private set; }

    /// <summary>The error frame's text, a status code or an exception's message when the stream did not end with <c>__END__</c>.</summary>
    public string? Failure { get; private set; }

    public bool Ended => EndedAt != 0 && Failure is null;

    /// <summary>Publish-to-receipt of each token whose text is a <see cref="TokenStamp"/>, in Stopwatch ticks.</summary>
    public IReadOnlyList<long> LatencyTicks => latencyTicks;

    /// <summary>Completes when the first token arrives.</summary>
    public Task FirstToken => firstToken.Task;

    /// <summary>The read loop, once <see cref="Open"/> started it.</summary>
    public Task Reading { get; private set; } = Task.CompletedTask;

    /// <summary>Sends the request and waits for the response headers; false (with <see cref="Failure"/>) when it is not a 200 event stream.</summary>
    public async Task<bool> OpenAsync(CancellationToken cancellationToken)
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
                Failure = $"HTTP {(int)response.StatusCode}";
                return false;
            }

            body = await response.Content.ReadAsStreamAsync(cancellationToken);
            return true;
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Failure = exception.GetType().Name + ": " + exception.Message;
            return false;
        }
    }

    /// <summary>Starts reading the body in the background until the stream ends; <see cref="Reading"/> is the loop.</summary>
    public void StartReading(CancellationToken cancellationToken) => Reading = ReadToEndAsync(cancellationToken);

    /// <summary>Drops the connection, as a closed browser tab does: the pending read is cancelled, which aborts the connection.</summary>
    public void Disconnect()
    {
        if (!disconnect.IsCancellationRequested)
        {
            disconnect.Cancel();
        }

        body?.Dispose();
        response?.Dispose();
    }

    public void Dispose()
    {
        Disconnect();
        disconnect.Dispose();
    }

    public void OnEvent(ReadOnlySpan<byte> data, ReadOnlySpan<byte> lastEventId)
    {
        if (data.SequenceEqual("__END__"u8))
        {
            EndedAt = receivedAt;
            return;
        }

        var reader = new Utf8JsonReader(data);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject || !reader.Read() || reader.TokenType != JsonTokenType.PropertyName)
        {
            Fail("a data frame that is not a JSON object: " + Encoding.UTF8.GetString(data));
            return;
        }

        var isToken = reader.ValueTextEquals("token"u8);
        var isError = reader.ValueTextEquals("error"u8);
        if (!reader.Read() || reader.TokenType != JsonTokenType.String || !(isToken || isError))
        {
            Fail("an unexpected frame: " + Encoding.UTF8.GetString(data));
            return;
        }

        if (isError)
        {
            Fail("error frame: " + reader.GetString());
            return;
        }

        TokensReceived++;
        if (FirstTokenAt == 0)
        {
            FirstTokenAt = receivedAt;
            firstToken.TrySetResult();
        }

        if (!reader.ValueIsEscaped && TokenStamp.TryRead(reader.ValueSpan, out var publishedAt))
        {
            latencyTicks.Add(receivedAt - publishedAt);
        }
    }

    public void OnComment(ReadOnlySpan<byte> text)
    {
        // `: connected` and `: keep-alive`: nothing to measure.
    }

    private async Task ReadToEndAsync(CancellationToken cancellationToken)
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
            while (EndedAt == 0)
            {
                var read = await body.ReadAsync(buffer, stop.Token);
                receivedAt = Stopwatch.GetTimestamp();
                if (read == 0)
                {
                    Failure ??= "the response ended without __END__";
                    return;
                }

                parser.Feed(buffer.AsSpan(0, read));
            }
        }
        catch (Exception exception) when (exception is IOException or HttpRequestException or ObjectDisposedException or OperationCanceledException)
        {
            Failure ??= disconnect.IsCancellationRequested ? "disconnected by the client"
                : cancellationToken.IsCancellationRequested ? "not ended in time"
                : "connection lost: " + exception.Message;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            firstToken.TrySetResult();
        }
    }

    private void Fail(string reason)
    {
        Failure ??= reason;
        EndedAt = receivedAt;
    }
}
