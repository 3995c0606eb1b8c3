using System.Diagnostics;

namespace SseFunctions.Benchmarks.Hosting;

/// <summary>
/// A process the benchmark started: its output is kept (the last lines, for error messages) and watched for a line,
/// and disposing it kills it with its children if it is still running, so nothing outlives the benchmark.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private const int KeptLines = 60;
    private static readonly TimeSpan KillTimeout = TimeSpan.FromSeconds(10);

    private readonly Process process;
    private readonly object gate = new();
    private readonly Queue<string> recentLines = new();
    private readonly List<LineWaiter> waiters = [];
    private readonly TaskCompletionSource exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChildProcess(string name, Process process)
    {
        Name = name;
        this.process = process;
    }

    public string Name { get; }

    public int Id => process.Id;

    public bool HasExited => exited.Task.IsCompleted;

    /// <summary>The last lines it wrote (stdout and stderr), for error messages.</summary>
    public string RecentOutput
    {
        get
        {
            lock (gate)
            {
                return string.Join(Environment.NewLine, recentLines);
            }
        }
    }

    public static ChildProcess Start(string name, string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment, string workingDirectory)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment)
        {
            startInfo.Environment[key] = value;
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var child = new ChildProcess(name, process);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        process.Exited += (_, _) => child.OnExited();
        if (!process.Start())
        {
            throw new InvalidOperationException($"{name}: '{fileName}' did not start.");
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>The CPU time and working set of the process now.</summary>
    public ProcessUsage ReadUsage()
    {
        process.Refresh();
        return new ProcessUsage(process.TotalProcessorTime, process.WorkingSet64);
    }

    /// <summary>Waits for a line of output that <paramref name="match"/> accepts; fails when the process exits or the time is up.</summary>
    public async Task<string> WaitForLineAsync(Func<string, bool> match, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var waiter = new LineWaiter(match);
        lock (gate)
        {
            var seen = recentLines.FirstOrDefault(match);
            if (seen is not null)
            {
                return seen;
            }

            waiters.Add(waiter);
        }

        try
        {
            var first = await Task.WhenAny(waiter.Line.Task, exited.Task).WaitAsync(timeout, cancellationToken);
            if (first != waiter.Line.Task)
            {
                throw new InvalidOperationException($"{Name} exited before it was ready:{Environment.NewLine}{RecentOutput}");
            }

            return await waiter.Line.Task;
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Name} was not ready within {timeout.TotalSeconds:0} s:{Environment.NewLine}{RecentOutput}");
        }
        finally
        {
            lock (gate)
            {
                waiters.Remove(waiter);
            }
        }
    }

    /// <summary>Waits for the process to exit on its own and returns its exit code; kills it when <paramref name="timeout"/> passes.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await exited.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            await KillAsync();
            throw new TimeoutException($"{Name} did not finish within {timeout.TotalMinutes:0.#} min:{Environment.NewLine}{RecentOutput}");
        }

        // The exit event can come before the last output lines: wait for the streams to drain.
        await process.WaitForExitAsync(cancellationToken);
        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        process.Dispose();
    }

    private async Task KillAsync()
    {
        if (HasExited)
        {
            return;
        }

        try
        {
            process.Kill(entireProcessTree: true);
            await exited.Task.WaitAsync(KillTimeout);
        }
        catch (Exception exception) when (exception is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            // Already gone, or it will be reaped with us: nothing more to do.
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        List<LineWaiter>? matched = null;
        lock (gate)
        {
            recentLines.Enqueue(line);
            if (recentLines.Count > KeptLines)
            {
                recentLines.Dequeue();
            }

            foreach (var waiter in waiters.Where(w => w.Match(line)))
            {
                (matched ??= []).Add(waiter);
            }
        }

        matched?.ForEach(waiter => waiter.Line.TrySetResult(line));
    }

    private void OnExited() => exited.TrySetResult();

    private sealed class LineWaiter(Func<string, bool> match)
    {
        public Func<string, bool> Match { get; } = match;

        public TaskCompletionSource<string> Line { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
