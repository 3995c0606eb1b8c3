using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SseFunctions.Streaming.Configuration;
using SseFunctions.Streaming.Diagnostics;
using SseFunctions.Streaming.Http;
using SseFunctions.Streaming.Sessions;

namespace SseFunctions.Streaming.Limits;

/// <summary>
/// <c>SSE_MAX_STREAMS</c> (streams open on this instance) and <c>SSE_MAX_SESSIONS</c> (Service Bus session receivers
/// this instance holds). A stream over either limit gets <c>503</c> JSON with <c>Retry-After</c> before Service Bus is
/// touched. A stream of a session that already has a receiver here needs no new one, so only the stream limit applies.
/// </summary>
public sealed partial class StreamLimiter
{
    /// <summary>What a refused client is told to wait: streams end within an answer's time, seconds to minutes.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    private readonly object gate = new();
    private readonly Dictionary<string, int> streamsPerSession = new(StringComparer.Ordinal);
    private readonly Func<int> heldSessions;
    private readonly ILogger<StreamLimiter> logger;
    private readonly Counter<long> refused;
    private int streams;

    public StreamLimiter(IOptions<SseStreamingOptions> options, SessionHub hub, IMeterFactory meterFactory, ILogger<StreamLimiter> logger)
        : this(options.Value.MaxStreams, options.Value.MaxSessions, () => hub.ActiveSessionCount, meterFactory, logger)
    {
    }

    /// <param name="heldSessions">Sessions with a receiver now, counting one that is still closing after its last stream left.</param>
    internal StreamLimiter(int maxStreams, int maxSessions, Func<int> heldSessions, IMeterFactory meterFactory, ILogger<StreamLimiter> logger)
    {
        MaxStreams = maxStreams;
        MaxSessions = maxSessions;
        this.heldSessions = heldSessions;
        this.logger = logger;
        var meter = meterFactory.Create(SseMetrics.MeterName);
        meter.CreateObservableGauge("sse.streams.limit", () => MaxStreams, description: "SSE_MAX_STREAMS: streams this instance may hold.");
        meter.CreateObservableGauge("sse.sessions.limit", () => MaxSessions, description: "SSE_MAX_SESSIONS: Service Bus sessions this instance may hold.");
        refused = meter.CreateCounter<long>("sse.streams.limited", description: "Stream requests refused with 503 at a per-instance limit, by limit.");
    }

    public int MaxStreams { get; }

    public int MaxSessions { get; }

    /// <summary>Streams admitted and not yet ended.</summary>
    public int AdmittedStreams
    {
        get { lock (gate) { return streams; } }
    }

    /// <summary>Admits a stream of <paramref name="sessionId"/>, or answers <c>503</c> and returns null.</summary>
    public async Task<StreamAdmission?> TryAdmitAsync(HttpContext context, string sessionId)
    {
        if (TryAdmit(sessionId, out var limit) is { } admission)
        {
            return admission;
        }

        refused.Add(1, new KeyValuePair<string, object?>("limit", limit));
        LogRefused(logger, limit);
        context.Response.Headers.RetryAfter = ((int)RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        await JsonResponses.WriteErrorAsync(context, StatusCodes.Status503ServiceUnavailable, limit == "streams"
            ? "This instance holds as many streams as it may. Try again shortly."
            : "This instance holds as many chat sessions as it may. Try again shortly.").ConfigureAwait(false);
        return null;
    }

    /// <summary>The admission, or null and the limit that refused it: <c>streams</c> or <c>sessions</c>.</summary>
    internal StreamAdmission? TryAdmit(string sessionId, out string limit)
    {
        lock (gate)
        {
            streamsPerSession.TryGetValue(sessionId, out var sessionStreams);
            if (streams >= MaxStreams)
            {
                limit = "streams";
                return null;
            }

            if (sessionStreams == 0 && Math.Max(streamsPerSession.Count, heldSessions()) >= MaxSessions)
            {
                limit = "sessions";
                return null;
            }

            streams++;
            streamsPerSession[sessionId] = sessionStreams + 1;
        }

        limit = string.Empty;
        return new StreamAdmission(this, sessionId);
    }

    internal void Release(StreamAdmission admission)
    {
        lock (gate)
        {
            streams--;
            var left = streamsPerSession[admission.SessionId] - 1;
            if (left == 0)
            {
                streamsPerSession.Remove(admission.SessionId);
            }
            else
            {
                streamsPerSession[admission.SessionId] = left;
            }
        }
    }

    [LoggerMessage(31, LogLevel.Warning, "Stream refused: this instance is at its limit of {Limit}")]
    private static partial void LogRefused(ILogger logger, string limit);
}
