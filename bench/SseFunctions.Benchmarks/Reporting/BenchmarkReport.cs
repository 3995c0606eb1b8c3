using SseFunctions.Benchmarks.Scenarios;

namespace SseFunctions.Benchmarks.Reporting;

/// <summary>One run of the benchmark: where it ran, how the services were built and set, each scenario with every
/// target's figures, and the cold-start phase (its median per target, and every run).</summary>
public sealed record BenchmarkReport(
    DateTimeOffset StartedAt,
    MachineDescription Machine,
    bool ReadyToRun,
    IReadOnlyDictionary<string, string> ServiceEnvironment,
    IReadOnlyList<ScenarioReport> Scenarios,
    IReadOnlyList<ColdStartResult> ColdStarts,
    IReadOnlyList<ColdStartResult> ColdStartRuns);
