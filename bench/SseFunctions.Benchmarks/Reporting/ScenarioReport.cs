using SseFunctions.Benchmarks.Scenarios;

namespace SseFunctions.Benchmarks.Reporting;

/// <summary>One scenario's workload and what each target did with it.</summary>
public sealed record ScenarioReport(ScenarioParameters Parameters, IReadOnlyList<TargetResult> Results);
