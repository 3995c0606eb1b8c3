using System.Collections.Concurrent;
using SseFunctions.Benchmarks.BaselineRelay;
using SseFunctions.Benchmarks.Cli;
using SseFunctions.Streaming.Configuration;

namespace SseFunctions.Benchmarks.Hosting;

/// <summary>
/// The service under test as its own process on a free loopback port, pointed at the benchmark's broker: the DevServer
/// (Release) for <see cref="TargetKind.Ours"/>; the local Functions host running the Functions app's worker (a child
/// process of the host) for <see cref="TargetKind.Functions"/>; this executable in its <see cref="BaselineRelayServer"/>
/// role for the baseline. Its usage is that of the whole process tree.
/// </summary>
public sealed class TargetProcess : IAsyncDisposable
{
    /// <summary>Far beyond a scenario's length, so no stream of the benchmark is ended by the service's timers, and below
    /// host.json's functionTimeout (30 min), which the Functions app requires of SSE_MAX_STREAM_SECONDS.</summary>
    private const string LongTimeoutSeconds = "1500";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    // The processes the service started (the Functions worker), as seen by any read (the usage sampler reads too): a
    // worker outlives a host that crashed.
    private readonly ConcurrentDictionary<int, DateTime> descendants = new();

    private TargetProcess(TargetKind kind, ChildProcess process, Uri baseAddress)
    {
        Kind = kind;
        Process = process;
        BaseAddress = baseAddress;
    }

    public TargetKind Kind { get; }

    public ChildProcess Process { get; }

    public Uri BaseAddress { get; }

    /// <summary>The process that runs the streaming engine: the Functions worker under the local host, else the root.</summary>
    public int EngineProcessId => ProcessTree.Members(Process.Id) is { Count: > 1 } members ? members[^1] : Process.Id;

    /// <param name="extraEnvironment">Set for the service on top of the benchmark's own settings (runtime knobs such as
    /// <c>DOTNET_gcServer</c>, measured as settings); the Functions host passes them on to its worker.</param>
    public static async Task<TargetProcess> StartAsync(TargetKind kind, RepositoryLayout layout, string connectionString, HttpClient http, IReadOnlyDictionary<string, string> extraEnvironment, CancellationToken cancellationToken)
    {
        var port = FreePort.Next();
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        var environment = new Dictionary<string, string>
        {
            [SseStreamingOptionsReader.ConnectionStringSetting] = connectionString,
            [SseStreamingOptionsReader.LogLevelSetting] = "WARNING",
            [SseStreamingOptionsReader.IdleTimeoutSetting] = LongTimeoutSeconds,
            [SseStreamingOptionsReader.MaxStreamSetting] = LongTimeoutSeconds,
            // LocalServiceBus has no 5,000-receiver quota, and the benchmark measures the engine, not its session limit.
            [SseStreamingOptionsReader.MaxSessionsSetting] = "1000000",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["DOTNET_ENVIRONMENT"] = "Production",
        };
        var process = kind switch
        {
            TargetKind.Ours => ChildProcess.Start("DevServer", "dotnet", [layout.DevServerDll, "--urls", baseAddress.ToString().TrimEnd('/')], With(environment, extraEnvironment), layout.Root),
            TargetKind.Functions => ChildProcess.Start(
                "Functions host",
                "dotnet",
                [layout.FunctionsHostDll, "--script-root", layout.FunctionsScriptRoot, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)],
                With(environment, extraEnvironment),
                layout.Root),
            _ => StartBaselineRelay(port, environment, extraEnvironment, layout.Root),
        };
        try
        {
            await WaitUntilHealthyAsync(process, http, new Uri(baseAddress, "/health"), cancellationToken);
            return new TargetProcess(kind, process, baseAddress);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    /// <summary>CPU time and working set of the service's whole process tree (host and worker for the Functions app).</summary>
    public ProcessUsage ReadUsage() => ReadParts().Aggregate(default(ProcessUsage), (sum, part) => sum + part);

    /// <summary>The root process, then everything it started summed up (the Functions worker); one part for the others.</summary>
    /// <exception cref="InvalidOperationException">The service exited during the run (its last output in the message).</exception>
    public IReadOnlyList<ProcessUsage> ReadParts()
    {
        if (Process.HasExited)
        {
            throw new InvalidOperationException($"{Process.Name} exited during the run:{Environment.NewLine}{Process.RecentOutput}");
        }

        var members = ProcessTree.Members(Process.Id);
        RememberDescendants(members);
        var root = Process.ReadUsage();
        return members.Count == 1 ? [root] : [root, members.Skip(1).Select(ProcessTree.Read).Aggregate(default(ProcessUsage), (sum, part) => sum + part)];
    }

    public async ValueTask DisposeAsync()
    {
        await Process.DisposeAsync();
        foreach (var (id, started) in descendants)
        {
            ProcessTree.KillIfSame(id, started);
        }
    }

    private void RememberDescendants(IReadOnlyList<int> members)
    {
        foreach (var id in members.Skip(1))
        {
            if (!descendants.ContainsKey(id) && ProcessTree.StartTime(id) is { } started)
            {
                descendants.TryAdd(id, started);
            }
        }
    }

    private static Dictionary<string, string> With(Dictionary<string, string> environment, IReadOnlyDictionary<string, string> extra)
    {
        foreach (var (key, value) in extra)
        {
            environment[key] = value;
        }

        return environment;
    }

    private static ChildProcess StartBaselineRelay(int port, Dictionary<string, string> environment, IReadOnlyDictionary<string, string> extraEnvironment, string workingDirectory)
    {
        // The benchmark executable is tuned as a load generator (workstation GC); as a relay it gets what an ASP.NET Core
        // app like the DevServer gets by default (server GC), so that the garbage collector is not what the comparison measures.
        environment["DOTNET_gcServer"] = "1";
        environment["DOTNET_gcConcurrent"] = "1";
        With(environment, extraEnvironment);
        // The same executable: its apphost when there is one, else `dotnet SseFunctions.Benchmarks.dll`.
        var self = Environment.ProcessPath ?? "dotnet";
        string[] relayArguments = [BaselineRelayOptions.Switch, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        return Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? ChildProcess.Start("baseline relay", self, [typeof(TargetProcess).Assembly.Location, .. relayArguments], environment, workingDirectory)
            : ChildProcess.Start("baseline relay", self, relayArguments, environment, workingDirectory);
    }

    private static async Task WaitUntilHealthyAsync(ChildProcess process, HttpClient http, Uri health, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{process.Name} exited while starting:{Environment.NewLine}{process.RecentOutput}");
            }

            try
            {
                using var response = await http.GetAsync(health, cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{process.Name} did not answer /health within {StartTimeout.TotalSeconds:0} s:{Environment.NewLine}{process.RecentOutput}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }
}
