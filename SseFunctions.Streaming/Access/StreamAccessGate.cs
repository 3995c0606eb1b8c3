using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;
using SseFunctions.Streaming.Diagnostics;
using SseFunctions.Streaming.Http;

namespace SseFunctions.Streaming.Access;

/// <summary>
/// Lets a stream request through only with a valid stream token (when a signing key is configured). A refusal is
/// answered here, before Service Bus is touched: <c>401</c> JSON with <c>WWW-Authenticate: Bearer</c>. Neither the
/// answer, the log line nor the metric carries the token.
/// </summary>
public sealed partial class StreamAccessGate
{
    private readonly StreamTokenValidator validator;
    private readonly ILogger<StreamAccessGate> logger;
    private readonly Counter<long> refused;

    public StreamAccessGate(StreamTokenValidator validator, IMeterFactory meterFactory, ILogger<StreamAccessGate> logger)
    {
        this.validator = validator;
        this.logger = logger;
        refused = meterFactory.Create(SseMetrics.MeterName).CreateCounter<long>(
            "sse.streams.unauthorized", description: "Stream requests refused for a missing or invalid access token, by reason.");
    }

    /// <summary>True when the request may open the stream; otherwise the refusal has been written.</summary>
    public async Task<bool> AuthorizeAsync(HttpContext context, string sessionId, string chatMessageId)
    {
        if (!validator.IsEnabled)
        {
            return true;
        }

        var token = StreamTokenReader.Read(context.Request, out var ambiguous);
        var outcome = ambiguous ? StreamTokenOutcome.Ambiguous : await validator.ValidateAsync(token, sessionId, chatMessageId).ConfigureAwait(false);
        if (outcome == StreamTokenOutcome.Valid)
        {
            return true;
        }

        var (reason, description) = Describe(outcome);
        refused.Add(1, new KeyValuePair<string, object?>("reason", reason));
        LogRefused(logger, reason);
        var response = context.Response;
        response.Headers.CacheControl = "no-store";
        if (outcome == StreamTokenOutcome.Missing)
        {
            response.Headers.WWWAuthenticate = "Bearer";
            await JsonResponses.WriteErrorAsync(context, StatusCodes.Status401Unauthorized,
                $"This stream needs an access token: pass it as ?{StreamTokenReader.QueryParameter}= or in Authorization: Bearer.").ConfigureAwait(false);
        }
        else if (outcome == StreamTokenOutcome.Ambiguous)
        {
            response.Headers.WWWAuthenticate = $"Bearer error=\"invalid_request\", error_description=\"{description}\"";
            await JsonResponses.WriteErrorAsync(context, StatusCodes.Status400BadRequest,
                $"Send the access token once: either ?{StreamTokenReader.QueryParameter}= or Authorization: Bearer.").ConfigureAwait(false);
        }
        else
        {
            response.Headers.WWWAuthenticate = $"Bearer error=\"invalid_token\", error_description=\"{description}\"";
            await JsonResponses.WriteErrorAsync(context, StatusCodes.Status401Unauthorized, $"The access token was refused: {description}.").ConfigureAwait(false);
        }

        return false;
    }

    /// <summary>The metric and log tag of a refusal, and the words the client reads.</summary>
    private static (string Reason, string Description) Describe(StreamTokenOutcome outcome) => outcome switch
    {
        StreamTokenOutcome.Missing => ("missing", "no token"),
        StreamTokenOutcome.Ambiguous => ("ambiguous", "more than one token"),
        StreamTokenOutcome.Malformed => ("malformed", "it is not a JWT"),
        StreamTokenOutcome.InvalidSignature => ("invalid-signature", "its signature is not valid"),
        StreamTokenOutcome.Expired => ("expired", "it has expired"),
        StreamTokenOutcome.NotYetValid => ("not-yet-valid", "it is not valid yet"),
        StreamTokenOutcome.NoExpiration => ("no-expiration", "it has no exp claim"),
        StreamTokenOutcome.InvalidIssuer => ("invalid-issuer", "its issuer is not accepted"),
        StreamTokenOutcome.InvalidAudience => ("invalid-audience", "its audience is not accepted"),
        StreamTokenOutcome.OtherStream => ("other-stream", "it is for another stream"),
        _ => ("invalid", "it is not valid"),
    };

    [LoggerMessage(30, LogLevel.Information, "Stream refused: access token {Reason}")]
    private static partial void LogRefused(ILogger logger, string reason);
}
