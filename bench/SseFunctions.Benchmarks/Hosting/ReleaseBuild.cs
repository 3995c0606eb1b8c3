namespace SseFunctions.Benchmarks.Hosting;

/// <summary>Builds what the benchmark starts (<c>dotnet build -c Release</c>): the DevServer, which brings the broker along.</summary>
public static class ReleaseBuild
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    public static async Task RunAsync(RepositoryLayout layout, CancellationToken cancellationToken)
    {
        foreach (var project in new[] { layout.BrokerProject, layout.DevServerProject })
        {
            Console.WriteLine($"building {Path.GetRelativePath(layout.Root, project)} (Release)");
            await using var build = ChildProcess.Start(
                "build",
                "dotnet",
                ["build", project, "-c", "Release", "-nologo", "-v", "q"],
                new Dictionary<string, string>(),
                layout.Root);
            var exitCode = await build.WaitForExitAsync(BuildTimeout, cancellationToken);
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"dotnet build {Path.GetFileName(project)} failed ({exitCode}):{Environment.NewLine}{build.RecentOutput}");
            }
        }

        foreach (var dll in new[] { layout.BrokerDll, layout.DevServerDll })
        {
            if (!File.Exists(dll))
            {
                throw new FileNotFoundException($"The Release build did not produce {dll}.", dll);
            }
        }
    }
}
