namespace SseFunctions.Benchmarks.Measurement;

/// <summary>A type and the method that allocated it, with its sampled bytes per token.</summary>
public sealed record AllocationSite(string Site, double BytesPerToken);
