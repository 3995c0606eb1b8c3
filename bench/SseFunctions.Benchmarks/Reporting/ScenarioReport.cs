using SseFunctions.Benchmarks.Scenarios;

namespace SseFunctions.Benchmarks.Reporting;

/// <summary>One scenario's workload and what each target did with it: <paramref name="Results"/> per target (the
/// median of its runs), <paramref name="Runs"/> every run on its own, in the order they ran.</summary>
public sealed record ScenarioReport(ScenarioParameters Parameters, IReadOnlyList<TargetResult> Results, IReadOnlyList<TargetResult> Runs);
