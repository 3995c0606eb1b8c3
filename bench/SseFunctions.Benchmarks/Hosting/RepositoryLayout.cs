namespace SseFunctions.Benchmarks.Hosting;

/// <summary>
/// Where the projects the benchmark starts live, and where their builds land: the Release build output, or with
/// <see cref="ReadyToRun"/> the output of <c>dotnet publish -c Release -r linux-x64 -p:PublishReadyToRun=true</c>
/// (<c>bin/Release/net10.0/publish-r2r</c>), as a deployment would run.
/// </summary>
public sealed class RepositoryLayout
{
    private const string Configuration = "Release";
    private const string TargetFramework = "net10.0";
    private const string ReadyToRunFolder = "publish-r2r";

    private RepositoryLayout(string root, bool readyToRun)
    {
        Root = root;
        ReadyToRun = readyToRun;
    }

    public string Root { get; }

    /// <summary>Whether the services run from their ReadyToRun publish output rather than the build output.</summary>
    public bool ReadyToRun { get; }

    public string DevServerProject => ProjectFile("SseFunctions.DevServer");

    public string BrokerProject => ProjectFile("SseFunctions.LocalServiceBus");

    public string FunctionsAppProject => ProjectFile("SseFunctions");

    public string FunctionsHostProject => ProjectFile("SseFunctions.LocalFunctionsHost");

    /// <summary>The broker is not what is measured: always its build output.</summary>
    public string BrokerDll => Path.Combine(BuildOutputOf("SseFunctions.LocalServiceBus"), "SseFunctions.LocalServiceBus.dll");

    public string DevServerDll => Path.Combine(OutputOf("SseFunctions.DevServer"), "SseFunctions.DevServer.dll");

    public string FunctionsHostDll => Path.Combine(OutputOf("SseFunctions.LocalFunctionsHost"), "SseFunctions.LocalFunctionsHost.dll");

    /// <summary>The Functions app's output, the script root the host starts the worker in.</summary>
    public string FunctionsScriptRoot => OutputOf("SseFunctions");

    /// <summary>The output folder of <paramref name="project"/> in the chosen form.</summary>
    public string OutputOf(string project) => ReadyToRun ? PublishOutputOf(project) : BuildOutputOf(project);

    public string PublishOutputOf(string project) => Path.Combine(Root, project, "bin", Configuration, TargetFramework, ReadyToRunFolder);

    /// <summary>The folder holding <c>SseFunctions.sln</c>, searched upwards from the benchmark's binaries and the current directory.</summary>
    public static RepositoryLayout Find(bool readyToRun = false)
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, "SseFunctions.sln")))
                {
                    return new RepositoryLayout(folder.FullName, readyToRun);
                }
            }
        }

        throw new InvalidOperationException("SseFunctions.sln was not found above the benchmark or the current directory.");
    }

    private string ProjectFile(string project) => Path.Combine(Root, project, project + ".csproj");

    private string BuildOutputOf(string project) => Path.Combine(Root, project, "bin", Configuration, TargetFramework);
}
