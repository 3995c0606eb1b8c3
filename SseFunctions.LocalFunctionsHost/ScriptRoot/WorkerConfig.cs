using System.Text.Json;

namespace SseFunctions.LocalFunctionsHost.ScriptRoot;

/// <summary>
/// <c>worker.config.json</c>, written by the Functions worker SDK into the build output: how to start the worker
/// (<c>dotnet SseFunctions.dll</c>) and whether it indexes its own functions.
/// </summary>
public sealed record WorkerConfig(string Language, string ExecutablePath, string WorkerPath, bool WorkerIndexing)
{
    public const string FileName = "worker.config.json";

    public static WorkerConfig Load(string scriptRoot)
    {
        var path = Path.Combine(scriptRoot, FileName);
        if (!File.Exists(path))
        {
            throw new ScriptRootException($"{path} does not exist: build the Functions app (dotnet build) and pass its output as the script root.");
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            var description = document.RootElement.GetProperty("description");
            var config = new WorkerConfig(
                Text(description, "language") ?? "dotnet-isolated",
                Text(description, "defaultExecutablePath") ?? "dotnet",
                Text(description, "defaultWorkerPath") ?? throw new JsonException("description.defaultWorkerPath is missing."),
                string.Equals(Text(description, "workerIndexing"), "true", StringComparison.OrdinalIgnoreCase));
            if (!config.WorkerIndexing)
            {
                throw new ScriptRootException($"{path} does not enable workerIndexing: this host only serves apps whose worker indexes its functions.");
            }

            return config;
        }
        catch (Exception exception) when (exception is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ScriptRootException($"{path} cannot be read: {exception.Message}");
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ToString() : null;
}
