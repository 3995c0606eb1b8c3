using System.Text.Json;

namespace SseFunctions.LocalFunctionsHost.ScriptRoot;

/// <summary>The <c>Values</c> of <c>local.settings.json</c> in the script root, as Core Tools gives them to the worker.</summary>
public static class LocalSettings
{
    public const string FileName = "local.settings.json";

    private static readonly JsonSerializerOptions Lenient = new()
    {
        AllowTrailingCommas = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        PropertyNameCaseInsensitive = true,
    };

    /// <summary>Empty when the file does not exist: every setting may come from the environment instead.</summary>
    public static IReadOnlyDictionary<string, string> LoadValues(string scriptRoot)
    {
        var path = Path.Combine(scriptRoot, FileName);
        if (!File.Exists(path))
        {
            return new Dictionary<string, string>();
        }

        try
        {
            return Parse(File.ReadAllText(path));
        }
        catch (JsonException exception)
        {
            throw new ScriptRootException($"{path} cannot be read: {exception.Message}");
        }
    }

    public static IReadOnlyDictionary<string, string> Parse(string json)
    {
        var file = JsonSerializer.Deserialize<LocalSettingsFile>(json, Lenient);
        if (file?.IsEncrypted == true)
        {
            throw new JsonException("its values are encrypted (IsEncrypted: true); this host reads plain values only.");
        }

        return (file?.Values ?? []).Where(pair => pair.Value is not null).ToDictionary(pair => pair.Key, pair => pair.Value!);
    }

    private sealed record LocalSettingsFile(bool IsEncrypted, Dictionary<string, string?>? Values);
}
