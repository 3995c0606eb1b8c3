using SseFunctions.Benchmarks.Cli;

namespace SseFunctions.Benchmarks.Hosting;

/// <summary>
/// Builds what the benchmark starts: the broker (<c>dotnet build -c Release</c>), and per target the DevServer or the
/// Functions app with the local Functions host, either built the same way or, with ReadyToRun, published
/// (<c>dotnet publish -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true</c>).
/// </summary>
public static class ReleaseBuild
{
    private const string RuntimeIdentifier = "linux-x64";
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(5);

    public static async Task RunAsync(RepositoryLayout layout, IReadOnlyCollection<TargetKind> targets, CancellationToken cancellationToken)
    {
        await RunDotnetAsync(layout, ["build", layout.BrokerProject, "-c", "Release", "-nologo", "-v", "q"], cancellationToken);
        var services = new List<string>();
        if (targets.Contains(TargetKind.Ours))
        {
            services.Add(layout.DevServerProject);
        }

        if (targets.Contains(TargetKind.Functions))
        {
            services.Add(layout.FunctionsAppProject);
            services.Add(layout.FunctionsHostProject);
        }

        foreach (var project in services)
        {
            var name = Path.GetFileNameWithoutExtension(project);
            string[] arguments = layout.ReadyToRun
                ? ["publish", project, "-c", "Release", "-r", RuntimeIdentifier, "--self-contained", "false", "-p:PublishReadyToRun=true", "-o", layout.PublishOutputOf(name), "-nologo", "-v", "q"]
                : ["build", project, "-c", "Release", "-nologo", "-v", "q"];
            await RunDotnetAsync(layout, arguments, cancellationToken);
        }

        var expected = new List<string> { layout.BrokerDll };
        if (targets.Contains(TargetKind.Ours))
        {
            expected.Add(layout.DevServerDll);
        }

        if (targets.Contains(TargetKind.Functions))
        {
            expected.Add(layout.FunctionsHostDll);
            expected.Add(Path.Combine(layout.FunctionsScriptRoot, "worker.config.json"));
        }

        foreach (var file in expected.Where(file => !File.Exists(file)))
        {
            throw new FileNotFoundException($"The build did not produce {file}.", file);
        }
    }

    private static async Task RunDotnetAsync(RepositoryLayout layout, string[] arguments, CancellationToken cancellationToken)
    {
        Console.WriteLine($"dotnet {arguments[0]} {Path.GetRelativePath(layout.Root, arguments[1])} (Release{(arguments[0] == "publish" ? ", ReadyToRun, " + RuntimeIdentifier : "")})");
        await using var build = ChildProcess.Start("build", "dotnet", arguments, new Dictionary<string, string>(), layout.Root);
        var exitCode = await build.WaitForExitAsync(BuildTimeout, cancellationToken);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"dotnet {arguments[0]} {Path.GetFileName(arguments[1])} failed ({exitCode}):{Environment.NewLine}{build.RecentOutput}");
        }
    }
}
