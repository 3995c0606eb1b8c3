using System.Diagnostics;

namespace SseFunctions.LocalFunctionsHost.Worker;

/// <summary>The worker's OS process: started with <see cref="WorkerStartInfo"/>, its console lines logged, killed if it outstays its stop.</summary>
public sealed partial class WorkerProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly TaskCompletionSource<int> exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ILogger logger;
    private readonly Queue<string> lastErrorLines = new();

    private WorkerProcess(Process process, ILogger logger)
    {
        this.process = process;
        this.logger = logger;
    }

    public int Id => process.Id;

    /// <summary>Completes with the exit code when the process has exited.</summary>
    public Task<int> Exited => exited.Task;

    /// <summary>The worker's last lines on stderr, to explain an early exit.</summary>
    public string LastErrors
    {
        get
        {
            lock (lastErrorLines)
            {
                return string.Join(Environment.NewLine, lastErrorLines);
            }
        }
    }

    public static WorkerProcess Start(WorkerStartInfo info, ILogger logger)
    {
        var start = new ProcessStartInfo(info.ExecutablePath)
        {
            WorkingDirectory = info.WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in info.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in info.Environment)
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var worker = new WorkerProcess(process, logger);
        process.OutputDataReceived += (_, line) => worker.OnOutput(line.Data, isError: false);
        process.ErrorDataReceived += (_, line) => worker.OnOutput(line.Data, isError: true);
        process.Exited += (_, _) => worker.OnExited();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Log.Started(logger, process.Id, info.ExecutablePath, string.Join(' ', info.Arguments.Take(1)));
        return worker;
    }

    /// <summary>Waits for the process to exit by itself (after WorkerTerminate) for up to <paramref name="grace"/>, then kills it.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (await Task.WhenAny(exited.Task, Task.Delay(grace)).ConfigureAwait(false) != exited.Task)
        {
            Log.Killing(logger, process.Id, grace.TotalSeconds);
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // It exited meanwhile.
            }

            await exited.Task.ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.Zero).ConfigureAwait(false);
        process.Dispose();
    }

    // The exit is reported once the worker's last console lines have been read: they explain an early exit.
    private async void OnExited()
    {
        try
        {
            await process.WaitForExitAsync().ConfigureAwait(false);
        }
        finally
        {
            exited.TrySetResult(process.ExitCode);
        }
    }

    private void OnOutput(string? line, bool isError)
    {
        if (string.IsNullOrEmpty(line))
        {
            return;
        }

        if (isError)
        {
            lock (lastErrorLines)
            {
                lastErrorLines.Enqueue(line);
                if (lastErrorLines.Count > 20)
                {
                    lastErrorLines.Dequeue();
                }
            }

            Log.ErrorLine(logger, line);
        }
        else
        {
            Log.OutputLine(logger, line);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Worker process {ProcessId} started: {ExecutablePath} {WorkerPath}.")]
        public static partial void Started(ILogger logger, int processId, string executablePath, string workerPath);

        [LoggerMessage(2, LogLevel.Warning, "Worker process {ProcessId} did not exit within {GraceSeconds} s of WorkerTerminate: killing it.")]
        public static partial void Killing(ILogger logger, int processId, double graceSeconds);

        [LoggerMessage(3, LogLevel.Information, "{Line}")]
        public static partial void OutputLine(ILogger logger, string line);

        [LoggerMessage(4, LogLevel.Error, "{Line}")]
        public static partial void ErrorLine(ILogger logger, string line);
    }
}
