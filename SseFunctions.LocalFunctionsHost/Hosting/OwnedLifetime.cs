namespace SseFunctions.LocalFunctionsHost.Hosting;

/// <summary>
/// The lifetime of the host's inner servers: they start and stop when <see cref="LocalFunctionsHostApp"/> says so,
/// not on Ctrl+C or SIGTERM by themselves, so the stop runs in order (WorkerTerminate first).
/// </summary>
public sealed class OwnedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
