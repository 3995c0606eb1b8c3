namespace SseFunctions.Benchmarks.Load;

/// <summary>What the publisher sent and how far behind its schedule it fell at worst (the load generator's own limit).</summary>
public sealed record PublishReport(long MessagesSent, TimeSpan Elapsed, TimeSpan MaxLag);
