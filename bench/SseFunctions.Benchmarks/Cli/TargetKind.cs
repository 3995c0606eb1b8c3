namespace SseFunctions.Benchmarks.Cli;

/// <summary>A service the workload runs against.</summary>
public enum TargetKind
{
    /// <summary>This product: the DevServer host of the streaming engine.</summary>
    Ours,

    /// <summary>This product as the Functions app: the real isolated worker under SseFunctions.LocalFunctionsHost (two processes).</summary>
    Functions,

    /// <summary>The naive relay in the original Python service's style (<see cref="BaselineRelay.BaselineRelayServer"/>).</summary>
    Baseline,

    /// <summary>No service: session receivers in the load generator itself (publisher + broker + client), the floor under both.</summary>
    Direct,
}
