using System.Text.Json;
using SseFunctions.LocalFunctionsHost.Rpc.Messages;

namespace SseFunctions.LocalFunctionsHost.Functions;

/// <summary>An HTTP-triggered function, from the metadata the worker indexed: what the front door routes to it.</summary>
/// <param name="TriggerName">The trigger binding's name, e.g. <c>request</c>: the invocation's input carries it.</param>
/// <param name="Route">The route without the host.json prefix; the function's name when the trigger names none.</param>
/// <param name="Methods">Upper-case HTTP methods; empty = every method.</param>
public sealed record HttpFunction(string Name, string FunctionId, string TriggerName, string Route, IReadOnlyList<string> Methods, FunctionAuthorizationLevel AuthorizationLevel)
{
    private const string HttpTriggerType = "httpTrigger";

    private static readonly JsonSerializerOptions Binding = new() { PropertyNameCaseInsensitive = true };

    /// <summary>The function's HTTP trigger, or null when it has none (another kind of trigger: not served here).</summary>
    public static HttpFunction? FromMetadata(RpcFunctionMetadata metadata)
    {
        foreach (var raw in metadata.RawBindings)
        {
            var binding = JsonSerializer.Deserialize<RawBinding>(raw, Binding);
            if (binding is null || !string.Equals(binding.Type, HttpTriggerType, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var level = Enum.TryParse<FunctionAuthorizationLevel>(binding.AuthLevel, ignoreCase: true, out var parsed)
                ? parsed
                : FunctionAuthorizationLevel.Function;
            return new HttpFunction(
                metadata.Name,
                metadata.FunctionId,
                binding.Name ?? "req",
                string.IsNullOrWhiteSpace(binding.Route) ? metadata.Name : binding.Route.Trim('/'),
                (binding.Methods ?? []).Select(method => method.ToUpperInvariant()).ToArray(),
                level);
        }

        return null;
    }

    /// <summary>The path template the front door matches, e.g. <c>/api/stream/{*path}</c>.</summary>
    public string PathTemplate(string routePrefix) =>
        routePrefix.Length == 0 ? $"/{Route}" : $"/{routePrefix}/{Route}";

    private sealed record RawBinding(string? Name, string? Type, string? Direction, string? AuthLevel, string? Route, string[]? Methods);
}
