using SseFunctions.Benchmarks.BaselineRelay;
using SseFunctions.Benchmarks.Cli;
using SseFunctions.Streaming.Configuration;

namespace SseFunctions.Benchmarks.Hosting;

/// <summary>
/// The service under test as its own process on a free loopback port, pointed at the benchmark's broker: the DevServer
/// (Release) for <see cref="TargetKind.Ours"/>, this executable in its <see cref="BaselineRelayServer"/> role for the baseline.
/// </summary>
public sealed class TargetProcess : IAsyncDisposable
{
    /// <summary>Far beyond a scenario's length, so no stream of the benchmark is ended by the service's idle timer.</summary>
    private const string LongTimeoutSeconds = "3600";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private TargetProcess(TargetKind kind, ChildProcess process, Uri baseAddress)
    {
        Kind = kind;
        Process = process;
        BaseAddress = baseAddress;
    }

    public TargetKind Kind { get; }

    public ChildProcess Process { get; }

    public Uri BaseAddress { get; }

    public static async Task<TargetProcess> StartAsync(TargetKind kind, RepositoryLayout layout, string connectionString, HttpClient http, CancellationToken cancellationToken)
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
        var process = kind == TargetKind.Ours
            ? ChildProcess.Start("DevServer", "dotnet", [layout.DevServerDll, "--urls", baseAddress.ToString().TrimEnd('/')], environment, layout.Root)
            : StartBaselineRelay(port, environment, layout.Root);
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

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    private static ChildProcess StartBaselineRelay(int port, Dictionary<string, string> environment, string workingDirectory)
    {
        // The benchmark executable is tuned as a load generator (workstation GC); as a relay it gets what an ASP.NET Core
        // app like the DevServer gets by default (server GC), so that the garbage collector is not what the comparison measures.
        environment["DOTNET_gcServer"] = "1";
        environment["DOTNET_gcConcurrent"] = "1";
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
