using System.Text.Json;

namespace SseFunctions.Benchmarks.BaselineRelay;

/// <summary>The seed's frames: <c>{"token": ...}</c>, <c>{"error": ...}</c> with lower-case names.</summary>
internal static class FrameJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
