using System.Text;

namespace SseFunctions.Tests.Support;

/// <summary>An open text/event-stream response, parsed as the HTML standard's EventSource does.</summary>
public sealed class SseConnection(HttpResponseMessage response, StreamReader reader) : IAsyncDisposable
{
    public HttpResponseMessage Response { get; } = response;

    /// <summary>Opens <paramref name="path"/> as a browser's EventSource does (Accept, and Last-Event-ID on a reconnect).</summary>
    public static async Task<SseConnection> OpenAsync(HttpClient http, string path, long? lastEventId = null, string? origin = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
        {
            request.Headers.Add("Last-Event-ID", lastEventId.Value.ToString());
        }

        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        return new SseConnection(response, reader);
    }

    /// <summary>The last <c>retry:</c> the server sent, in milliseconds.</summary>
    public int? Retry { get; private set; }

    /// <summary>The last <c>id:</c> the server sent: what EventSource would send back as Last-Event-ID.</summary>
    public string? LastEventId { get; private set; }

    /// <summary>The next event with data, or comment; null at the end of the stream. As in EventSource, a block
    /// without data dispatches nothing: its id and retry fields only update <see cref="LastEventId"/> and <see cref="Retry"/>.</summary>
    public async Task<SseEvent?> ReadAsync(TimeSpan? timeout = null)
    {
        using var cancellation = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        string? id = null;
        var data = new StringBuilder();
        var hasData = false;
        while (await reader.ReadLineAsync(cancellation.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (hasData)
                {
                    return new SseEvent(id, data.ToString(), null, Retry);
                }

                id = null;
                continue;
            }

            if (line[0] == ':')
            {
                if (!hasData && id is null)
                {
                    return new SseEvent(null, null, line[1..].TrimStart(), null);
                }

                continue;
            }

            var colon = line.IndexOf(':');
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? string.Empty : line[(colon + 1)..];
            if (value.StartsWith(' '))
            {
                value = value[1..];
            }

            switch (field)
            {
                case "data":
                    if (hasData)
                    {
                        data.Append('\n');
                    }

                    data.Append(value);
                    hasData = true;
                    break;
                case "id":
                    id = LastEventId = value;
                    break;
                case "retry":
                    Retry = int.Parse(value);
                    break;
            }
        }

        return null;
    }

    /// <summary>Reads until an event with data (skipping comments and retry-only events).</summary>
    public async Task<SseEvent> ReadDataAsync(TimeSpan? timeout = null)
    {
        while (true)
        {
            var next = await ReadAsync(timeout) ?? throw new InvalidOperationException("The stream ended before an event with data.");
            if (next.Data is not null)
            {
                return next;
            }
        }
    }

    /// <summary>Every data event up to and including the one that ends the stream (__END__ or an error).</summary>
    public async Task<List<SseEvent>> ReadToEndAsync(TimeSpan? timeout = null)
    {
        var events = new List<SseEvent>();
        while (await ReadAsync(timeout) is { } next)
        {
            if (next.Data is not null)
            {
                events.Add(next);
            }
        }

        return events;
    }

    public ValueTask DisposeAsync()
    {
        reader.Dispose();
        Response.Dispose();
        return ValueTask.CompletedTask;
    }
}
