using System.Globalization;
using SseFunctions.LocalFunctionsHost.ScriptRoot;

namespace SseFunctions.LocalFunctionsHost.Worker;

/// <summary>How the real host starts a worker: the command from worker.config.json, the start arguments, the environment.</summary>
public sealed record WorkerStartInfo(string ExecutablePath, IReadOnlyList<string> Arguments, string WorkingDirectory, IReadOnlyDictionary<string, string> Environment)
{
    public const string WorkerDirectorySetting = "FUNCTIONS_WORKER_DIRECTORY";
    public const string ApplicationDirectorySetting = "FUNCTIONS_APPLICATION_DIRECTORY";

    /// <param name="appSettings">The worker's app settings: local.settings.json values, then the host's environment over them.</param>
    public static WorkerStartInfo Create(string scriptRoot, WorkerConfig config, Uri rpcAddress, string workerId, string requestId, int maxMessageLength, IReadOnlyDictionary<string, string> appSettings)
    {
        var length = maxMessageLength.ToString(CultureInfo.InvariantCulture);
        string[] arguments =
        [
            Path.Combine(scriptRoot, config.WorkerPath),
            // The legacy switches first, then the "functions-" ones the worker reads: the real host passes both.
            "--host", rpcAddress.Host,
            "--port", rpcAddress.Port.ToString(CultureInfo.InvariantCulture),
            "--workerId", workerId,
            "--requestId", requestId,
            "--grpcMaxMessageLength", length,
            "--functions-uri", rpcAddress.AbsoluteUri,
            "--functions-worker-id", workerId,
            "--functions-request-id", requestId,
            "--functions-grpc-max-message-length", length,
        ];
        var environment = new Dictionary<string, string>(appSettings)
        {
            [WorkerDirectorySetting] = scriptRoot,
            [ApplicationDirectorySetting] = scriptRoot,
        };
        return new WorkerStartInfo(config.ExecutablePath, arguments, scriptRoot, environment);
    }
}
