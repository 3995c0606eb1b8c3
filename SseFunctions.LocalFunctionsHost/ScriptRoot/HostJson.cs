using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SseFunctions.LocalFunctionsHost.ScriptRoot;

/// <summary>What this host reads from the app's <c>host.json</c>: the HTTP route prefix and the function timeout.</summary>
public sealed record HostJson(string RoutePrefix, TimeSpan? FunctionTimeout)
{
    public const string FileName = "host.json";

    /// <summary>The Functions host's default when host.json names none.</summary>
    public const string DefaultRoutePrefix = "api";

    private static readonly JsonDocumentOptions Lenient = new() { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip };

    public static HostJson Load(string scriptRoot)
    {
        var path = Path.Combine(scriptRoot, FileName);
        if (!File.Exists(path))
        {
            throw new ScriptRootException($"{path} does not exist: the script root must be the app's build output, with its host.json.");
        }

        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (Exception exception) when (exception is JsonException or FormatException or OverflowException)
        {
            throw new ScriptRootException($"{path} cannot be read: {exception.Message}");
        }
    }

    public static HostJson Parse(string json)
    {
        var root = JsonNode.Parse(json, documentOptions: Lenient) as JsonObject
            ?? throw new FormatException("host.json is not a JSON object.");
        var prefix = (string?)Property(Property(Property(root, "extensions"), "http"), "routePrefix") ?? DefaultRoutePrefix;
        TimeSpan? timeout = (string?)Property(root, "functionTimeout") switch
        {
            null => null,
            "-1" => null,
            var text => TimeSpan.Parse(text, CultureInfo.InvariantCulture),
        };
        return new HostJson(prefix.Trim('/'), timeout);
    }

    // host.json's property names are case-insensitive for the Functions host.
    private static JsonNode? Property(JsonNode? node, string name) =>
        node is JsonObject obj ? obj.FirstOrDefault(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value : null;
}
