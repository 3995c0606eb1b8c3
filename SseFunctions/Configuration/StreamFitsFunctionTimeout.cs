using Microsoft.Extensions.Options;
using SseFunctions.Streaming.Configuration;

namespace SseFunctions.Configuration;

/// <summary>
/// Start-up check: <c>SSE_MAX_STREAM_SECONDS</c> must stay below host.json's <c>functionTimeout</c>, or the host
/// would cancel a long stream (no error frame, its session released only when the worker notices) before the
/// service ends it cleanly with an error frame.
/// </summary>
public sealed class StreamFitsFunctionTimeout(Func<string?> readHostJson) : IValidateOptions<SseStreamingOptions>
{
    public StreamFitsFunctionTimeout()
        : this(() => File.Exists(FunctionTimeout.HostJsonPath()) ? File.ReadAllText(FunctionTimeout.HostJsonPath()) : null)
    {
    }

    public ValidateOptionsResult Validate(string? name, SseStreamingOptions options)
    {
        var hostJson = readHostJson();
        if (hostJson is null)
        {
            return ValidateOptionsResult.Success;
        }

        TimeSpan? timeout;
        try
        {
            timeout = FunctionTimeout.Parse(hostJson);
        }
        catch (Exception exception) when (exception is FormatException or OverflowException or InvalidOperationException or System.Text.Json.JsonException)
        {
            return ValidateOptionsResult.Fail($"host.json functionTimeout cannot be read ({exception.Message}); it must be hh:mm:ss or -1.");
        }

        return timeout is { } limit && options.MaxStreamDuration >= limit
            ? ValidateOptionsResult.Fail(
                $"{SseStreamingOptionsReader.MaxStreamSetting} ({options.MaxStreamDuration.TotalSeconds:0.###} s) must be below host.json's functionTimeout ({limit:c}): " +
                "the host would cancel a stream before the service ends it with an error frame.")
            : ValidateOptionsResult.Success;
    }
}
