using System.Globalization;

namespace SseFunctions.Benchmarks.Cli;

/// <summary>The benchmark's command line: which sizes to run and the workload of each.</summary>
public sealed class BenchmarkOptions
{
    public const string Usage = """
        usage: dotnet run -c Release --project bench/SseFunctions.Benchmarks -- [options]

          --streams 1,100,1000       concurrent SSE streams per scenario (10000 is opt-in)
          --tokens-per-stream 20     tokens each stream receives in the paced (latency) phase
          --rate 4                   tokens per second per stream in the paced phase
          --drain-tokens 20000       tokens queued before connecting, spread over the streams (throughput phase)
          --release-probes 5         clients disconnected to time the release of their session
          --repeat 1                 runs per target and scenario, taking turns; figures are their medians
          --targets ours,functions,baseline,direct  ours (DevServer), functions (the Functions app under the local
                                     Functions host), baseline (the naive relay), direct (no service: the floor)
          --no-cold-start            skip the cold-start phase (a fresh service process: its first tokens against warm)
          --cold-start-only          run only the cold-start phase
          --cold-tokens 2000         tokens of the cold-start phase (20 streams at 20 tok/s each)
          --ready-to-run             run the services from a ReadyToRun publish (dotnet publish -r linux-x64) instead of the build
          --allocations              sample the service's allocations in the paced phase (EventPipe, with stacks) and
                                     split them per token by who allocated: ours, the Service Bus SDK, ASP.NET Core
          --service-env NAME=VALUE   an environment variable for the service process (repeatable), e.g. DOTNET_gcServer=0
          --json bench-results/latest.json
          --no-build                 use the Release builds already on disk
        """;

    public IReadOnlyList<int> StreamCounts { get; private set; } = [1, 100, 1000];

    public int TokensPerStream { get; private set; } = 20;

    public double TokensPerSecondPerStream { get; private set; } = 4;

    public int DrainTokens { get; private set; } = 20_000;

    public int ReleaseProbes { get; private set; } = 5;

    public int Repeat { get; private set; } = 1;

    public IReadOnlyList<TargetKind> Targets { get; private set; } = [TargetKind.Ours, TargetKind.Functions, TargetKind.Baseline, TargetKind.Direct];

    public string JsonPath { get; private set; } = Path.Combine("bench-results", "latest.json");

    public bool Build { get; private set; } = true;

    public bool ColdStart { get; private set; } = true;

    public bool ScenariosEnabled { get; private set; } = true;

    public int ColdStartTokens { get; private set; } = 2_000;

    public bool ReadyToRun { get; private set; }

    public bool RecordAllocations { get; private set; }

    public IReadOnlyDictionary<string, string> ServiceEnvironment => serviceEnvironment;

    private readonly Dictionary<string, string> serviceEnvironment = new(StringComparer.Ordinal);

    public bool ShowHelp { get; private set; }

    public static bool TryParse(IReadOnlyList<string> args, out BenchmarkOptions options, out string? problem)
    {
        options = new BenchmarkOptions();
        problem = null;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            switch (name)
            {
                case "-h" or "--help":
                    options.ShowHelp = true;
                    continue;
                case "--no-build":
                    options.Build = false;
                    continue;
                case "--no-cold-start":
                    options.ColdStart = false;
                    continue;
                case "--cold-start-only":
                    options.ColdStart = true;
                    options.ScenariosEnabled = false;
                    continue;
                case "--ready-to-run":
                    options.ReadyToRun = true;
                    continue;
                case "--allocations":
                    options.RecordAllocations = true;
                    continue;
            }

            if (i + 1 >= args.Count)
            {
                problem = $"{name} needs a value.";
                return false;
            }

            var value = args[++i];
            switch (name)
            {
                case "--streams":
                    var counts = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
                    var parsed = new List<int>();
                    foreach (var count in counts)
                    {
                        if (!TryPositive(count, out var streams) || streams > 15_000)
                        {
                            problem = $"--streams takes numbers from 1 to 15000, not '{count}'.";
                            return false;
                        }

                        parsed.Add(streams);
                    }

                    options.StreamCounts = parsed.Count > 0 ? parsed : options.StreamCounts;
                    break;
                case "--tokens-per-stream":
                    if (!TryPositive(value, out var tokens))
                    {
                        problem = "--tokens-per-stream takes a positive whole number.";
                        return false;
                    }

                    options.TokensPerStream = tokens;
                    break;
                case "--rate":
                    if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var rate) || rate <= 0 || rate > 10_000)
                    {
                        problem = "--rate takes tokens per second per stream, more than 0 and at most 10000.";
                        return false;
                    }

                    options.TokensPerSecondPerStream = rate;
                    break;
                case "--drain-tokens":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var drain) || drain > 1_000_000)
                    {
                        problem = "--drain-tokens takes a whole number from 0 to 1000000 (0 skips the throughput phase).";
                        return false;
                    }

                    options.DrainTokens = drain;
                    break;
                case "--release-probes":
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var probes) || probes > 100)
                    {
                        problem = "--release-probes takes a whole number from 0 to 100.";
                        return false;
                    }

                    options.ReleaseProbes = probes;
                    break;
                case "--repeat":
                    if (!TryPositive(value, out var repeat) || repeat > 20)
                    {
                        problem = "--repeat takes a whole number from 1 to 20.";
                        return false;
                    }

                    options.Repeat = repeat;
                    break;
                case "--targets":
                    var targets = new List<TargetKind>();
                    foreach (var target in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    {
                        if (!Enum.TryParse<TargetKind>(target, ignoreCase: true, out var kind) || !Enum.IsDefined(kind))
                        {
                            problem = $"--targets takes ours, functions, baseline and/or direct, not '{target}'.";
                            return false;
                        }

                        targets.Add(kind);
                    }

                    options.Targets = targets.Count > 0 ? targets.Distinct().ToArray() : options.Targets;
                    break;
                case "--cold-tokens":
                    if (!TryPositive(value, out var coldTokens) || coldTokens < 20 || coldTokens > 100_000)
                    {
                        problem = "--cold-tokens takes a whole number from 20 to 100000.";
                        return false;
                    }

                    options.ColdStartTokens = coldTokens;
                    break;
                case "--service-env":
                    var equals = value.IndexOf('=', StringComparison.Ordinal);
                    if (equals <= 0)
                    {
                        problem = $"--service-env takes NAME=VALUE, not '{value}'.";
                        return false;
                    }

                    options.serviceEnvironment[value[..equals]] = value[(equals + 1)..];
                    break;
                case "--json":
                    options.JsonPath = value;
                    break;
                default:
                    problem = $"unknown option '{name}'.";
                    return false;
            }
        }

        return true;
    }

    private static bool TryPositive(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0;
}
