namespace SseFunctions.Benchmarks.Hosting;

/// <summary>LocalServiceBus as its own process (<c>dotnet SseFunctions.LocalServiceBus.dll --port 0</c>), on loopback.</summary>
public sealed class BrokerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private BrokerProcess(ChildProcess process, string connectionString)
    {
        Process = process;
        ConnectionString = connectionString;
    }

    public ChildProcess Process { get; }

    public string ConnectionString { get; }

    public static async Task<BrokerProcess> StartAsync(RepositoryLayout layout, CancellationToken cancellationToken)
    {
        var process = ChildProcess.Start(
            "LocalServiceBus",
            "dotnet",
            [layout.BrokerDll, "--port", "0", "--log-level", "Warning"],
            new Dictionary<string, string> { ["DOTNET_TieredPGO"] = "1" },
            layout.Root);
        try
        {
            var line = await process.WaitForLineAsync(l => l.Contains("Endpoint=", StringComparison.OrdinalIgnoreCase), StartTimeout, cancellationToken);
            var connectionString = line[line.IndexOf("Endpoint=", StringComparison.OrdinalIgnoreCase)..].Trim();
            return new BrokerProcess(process, connectionString);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();
}
