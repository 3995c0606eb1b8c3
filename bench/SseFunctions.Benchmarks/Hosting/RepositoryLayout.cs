namespace SseFunctions.Benchmarks.Hosting;

/// <summary>Where the projects the benchmark starts live, and where their Release builds land.</summary>
public sealed class RepositoryLayout
{
    private const string Configuration = "Release";
    private const string TargetFramework = "net10.0";

    private RepositoryLayout(string root) => Root = root;

    public string Root { get; }

    public string DevServerProject => Path.Combine(Root, "SseFunctions.DevServer", "SseFunctions.DevServer.csproj");

    public string BrokerProject => Path.Combine(Root, "SseFunctions.LocalServiceBus", "SseFunctions.LocalServiceBus.csproj");

    public string DevServerDll => OutputOf("SseFunctions.DevServer");

    public string BrokerDll => OutputOf("SseFunctions.LocalServiceBus");

    /// <summary>The folder holding <c>SseFunctions.sln</c>, searched upwards from the benchmark's binaries and the current directory.</summary>
    public static RepositoryLayout Find()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
            {
                if (File.Exists(Path.Combine(folder.FullName, "SseFunctions.sln")))
                {
                    return new RepositoryLayout(folder.FullName);
                }
            }
        }

        throw new InvalidOperationException("SseFunctions.sln was not found above the benchmark or the current directory.");
    }

    private string OutputOf(string project) => Path.Combine(Root, project, "bin", Configuration, TargetFramework, project + ".dll");
}
