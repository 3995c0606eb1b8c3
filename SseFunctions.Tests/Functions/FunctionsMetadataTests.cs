using System.Text.Json;
using SseFunctions.LocalFunctionsHost.ScriptRoot;
using SseFunctions.Tests.Support;

namespace SseFunctions.Tests.Functions;

/// <summary>The Functions SDK's build output, as a host reads it: the two functions, their routes, methods and auth levels.</summary>
public class FunctionsMetadataTests
{
    [Fact]
    public void The_app_declares_the_stream_and_health_functions_anonymous_on_get_and_options()
    {
        using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(FunctionsTestHost.ScriptRoot, "functions.metadata")));

        var triggers = metadata.RootElement.EnumerateArray().ToDictionary(
            function => function.GetProperty("name").GetString()!,
            function => function.GetProperty("bindings").EnumerateArray().Single(b => b.GetProperty("type").GetString() == "httpTrigger"));

        triggers.Keys.Should().BeEquivalentTo("stream", "health");
        triggers["stream"].GetProperty("route").GetString().Should().Be("api/stream/{*path}");
        triggers["health"].GetProperty("route").GetString().Should().Be("health");
        foreach (var trigger in triggers.Values)
        {
            trigger.GetProperty("authLevel").GetString().Should().Be("Anonymous");
            trigger.GetProperty("methods").EnumerateArray().Select(m => m.GetString()).Should().Equal("get", "options");
        }
    }

    [Fact]
    public void The_build_output_carries_the_top_level_host_json_and_a_worker_indexed_worker_config()
    {
        var hostJson = HostJson.Load(FunctionsTestHost.ScriptRoot);
        var worker = WorkerConfig.Load(FunctionsTestHost.ScriptRoot);

        hostJson.RoutePrefix.Should().BeEmpty("the seed's paths are /api/stream/... and /health");
        hostJson.FunctionTimeout.Should().Be(TimeSpan.FromMinutes(30));
        File.ReadAllText(Path.Combine(FunctionsTestHost.ScriptRoot, "host.json")).Should().Be(File.ReadAllText(Path.Combine(RepositoryRoot(), "host.json")));
        worker.WorkerPath.Should().Be("SseFunctions.dll");
        worker.WorkerIndexing.Should().BeTrue();
    }

    private static string RepositoryRoot() => Path.GetFullPath(Path.Combine(FunctionsTestHost.ScriptRoot, "..", "..", "..", ".."));
}
