namespace SseFunctions.LocalFunctionsHost.Hosting;

/// <summary>What to serve and where.</summary>
public sealed class LocalFunctionsHostOptions
{
    public const int DefaultPort = 7071;

    /// <summary>The Functions app's build output: SseFunctions.dll, worker.config.json, host.json, local.settings.json.</summary>
    public required string ScriptRoot { get; init; }

    /// <summary>The public HTTP port, on localhost (0: a free port on 127.0.0.1).</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>Settings for the worker over local.settings.json and this process's environment (tests use it).</summary>
    public IReadOnlyDictionary<string, string> AppSettings { get; init; } = new Dictionary<string, string>();

    /// <summary>How long the worker may take to connect, index and load its functions.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The WorkerTerminate grace period: the worker is killed if it has not exited by then.</summary>
    public TimeSpan StopGracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    public string Url => Port == 0 ? "http://127.0.0.1:0" : $"http://localhost:{Port}";
}
