using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SseFunctions.Configuration;

/// <summary><c>functionTimeout</c> from the app's host.json: the host cancels an invocation that runs longer.</summary>
public static class FunctionTimeout
{
    public const string ApplicationDirectorySetting = "FUNCTIONS_APPLICATION_DIRECTORY";

    /// <summary>What Premium and Flex Consumption apply when host.json names none (Consumption: 5 minutes).</summary>
    public static readonly TimeSpan PlanDefault = TimeSpan.FromMinutes(30);

    /// <summary>The app's host.json: beside the worker, where the host found it.</summary>
    public static string HostJsonPath() =>
        Path.Combine(Environment.GetEnvironmentVariable(ApplicationDirectorySetting) ?? AppContext.BaseDirectory, "host.json");

    /// <summary>The timeout; null when unbounded ("-1", Premium and Flex Consumption only).</summary>
    /// <exception cref="FormatException">The value is not a time span.</exception>
    public static TimeSpan? Parse(string hostJson)
    {
        var root = JsonNode.Parse(hostJson, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        var value = root is JsonObject obj
            ? obj.FirstOrDefault(p => string.Equals(p.Key, "functionTimeout", StringComparison.OrdinalIgnoreCase)).Value?.GetValue<string>()
            : null;
        return value switch
        {
            null => PlanDefault,
            "-1" => null,
            _ => TimeSpan.Parse(value, CultureInfo.InvariantCulture),
        };
    }
}
