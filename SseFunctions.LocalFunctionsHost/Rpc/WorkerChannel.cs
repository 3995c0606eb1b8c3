using System.Collections.Concurrent;
using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using RpcException = Grpc.Core.RpcException;
using Microsoft.Extensions.Logging;
using SseFunctions.LocalFunctionsHost.Rpc.Messages;

namespace SseFunctions.LocalFunctionsHost.Rpc;

/// <summary>
/// The host's end of one worker's <c>FunctionRpc.EventStream</c>: the start-up handshake (StartStream, WorkerInit,
/// FunctionsMetadata, FunctionLoad), invocations and their cancellation, WorkerTerminate, and the worker's logs.
/// Messages to the worker go through one queue with one writer, as a gRPC stream allows one write at a time.
/// </summary>
public sealed partial class WorkerChannel
{
    public const string HttpUriCapability = "HttpUri";
    public const string HandlesInvocationCancelCapability = "HandlesInvocationCancelMessage";

    private readonly Channel<StreamingMessage> outgoing = Channel.CreateUnbounded<StreamingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource started = NewSource();
    private readonly TaskCompletionSource<WorkerInitResponse> initialized = NewSource<WorkerInitResponse>();
    private readonly TaskCompletionSource<FunctionMetadataResponse> indexed = NewSource<FunctionMetadataResponse>();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<FunctionLoadResponse>> loads = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource<InvocationResponse>> invocations = new();
    private readonly TaskCompletionSource ended = NewSource();
    private readonly WorkerLogForwarder logs;
    private readonly ILogger logger;
    private int attached;

    public WorkerChannel(string workerId, string requestId, WorkerLogForwarder logs, ILogger<WorkerChannel> logger)
    {
        WorkerId = workerId;
        RequestId = requestId;
        this.logs = logs;
        this.logger = logger;
    }

    public string WorkerId { get; }

    public string RequestId { get; }

    /// <summary>What the worker said it can do in its WorkerInitResponse (e.g. <c>HttpUri</c>).</summary>
    public IReadOnlyDictionary<string, string> WorkerCapabilities { get; private set; } = new Dictionary<string, string>();

    /// <summary>Completes when the worker's stream has ended (the worker stopped or died).</summary>
    public Task Completion => ended.Task;

    /// <summary>Serves the worker's EventStream call until the stream ends. Only one worker may attach.</summary>
    public async Task RunAsync(IAsyncStreamReader<StreamingMessage> requests, IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref attached, 1) == 1)
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, "A worker is already attached to this host."));
        }

        var writing = WriteAllAsync(responses, cancellationToken);
        Exception? failure = null;
        try
        {
            while (await requests.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                Dispatch(requests.Current);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or RpcException or InvalidOperationException)
        {
            failure = exception;
        }
        finally
        {
            outgoing.Writer.TryComplete();
            await writing.ConfigureAwait(false);
            Log.StreamEnded(logger, failure?.Message ?? "the worker closed it");
            FailPending(new WorkerChannelException("The worker's stream ended.", failure));
            ended.TrySetResult();
        }
    }

    /// <summary>Runs the start-up handshake and returns the functions the worker indexed and loaded.</summary>
    public async Task<IReadOnlyList<RpcFunctionMetadata>> InitializeAsync(string scriptRoot, CancellationToken cancellationToken)
    {
        await started.Task.WaitAsync(cancellationToken).ConfigureAwait(false);

        Send(new StreamingMessage
        {
            RequestId = RequestId,
            WorkerInitRequest = new WorkerInitRequest
            {
                HostVersion = typeof(WorkerChannel).Assembly.GetName().Version?.ToString() ?? "1.0.0",
                WorkerDirectory = scriptRoot,
                FunctionAppDirectory = scriptRoot,
            },
        });
        var init = await initialized.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        EnsureSuccess(init.Result, "initialize");
        WorkerCapabilities = new Dictionary<string, string>(init.Capabilities);
        Log.WorkerInitialized(logger, init.WorkerMetadata?.RuntimeName, init.WorkerMetadata?.RuntimeVersion, init.WorkerMetadata?.WorkerVersion);

        Send(new StreamingMessage { RequestId = RequestId, FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = scriptRoot } });
        var index = await indexed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        EnsureSuccess(index.Result, "index its functions");
        if (index.UseDefaultMetadataIndexing)
        {
            throw new WorkerChannelException("The worker asked the host to index its functions (function.json); this host serves worker-indexed apps only.");
        }

        var functions = index.FunctionMetadataResults.ToArray();
        var pendingLoads = functions.Select(function =>
        {
            var load = loads.GetOrAdd(function.FunctionId, _ => NewSource<FunctionLoadResponse>());
            Send(new StreamingMessage { RequestId = RequestId, FunctionLoadRequest = new FunctionLoadRequest { FunctionId = function.FunctionId, Metadata = function } });
            return (function.Name, Response: load.Task);
        }).ToArray();
        foreach (var (name, response) in pendingLoads)
        {
            EnsureSuccess((await response.WaitAsync(cancellationToken).ConfigureAwait(false)).Result, $"load function '{name}'");
        }

        return functions;
    }

    /// <summary>Sends an invocation; the task completes with the worker's InvocationResponse.</summary>
    public Task<InvocationResponse> InvokeAsync(InvocationRequest request)
    {
        var response = NewSource<InvocationResponse>();
        if (!invocations.TryAdd(request.InvocationId, response))
        {
            throw new InvalidOperationException($"Invocation {request.InvocationId} is already running.");
        }

        if (ended.Task.IsCompleted)
        {
            invocations.TryRemove(request.InvocationId, out _);
            response.TrySetException(new WorkerChannelException("The worker has stopped."));
            return response.Task;
        }

        Send(new StreamingMessage { InvocationRequest = request });
        return response.Task;
    }

    /// <summary>Asks the worker to cancel an invocation (the client left), when the worker handles InvocationCancel.</summary>
    public void Cancel(string invocationId)
    {
        if (!invocations.ContainsKey(invocationId) || !WorkerCapabilities.ContainsKey(HandlesInvocationCancelCapability))
        {
            return;
        }

        Log.CancellingInvocation(logger, invocationId);
        Send(new StreamingMessage { InvocationCancel = new InvocationCancel { InvocationId = invocationId } });
    }

    /// <summary>Tells the worker to stop; it stops its host (ending open invocations) and exits.</summary>
    public void Terminate(TimeSpan gracePeriod) =>
        Send(new StreamingMessage { WorkerTerminate = new WorkerTerminate { GracePeriod = Duration.FromTimeSpan(gracePeriod) } });

    private void Send(StreamingMessage message)
    {
        if (!outgoing.Writer.TryWrite(message))
        {
            Log.DroppedAfterEnd(logger, message.ContentCase.ToString());
        }
    }

    private async Task WriteAllAsync(IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in outgoing.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await responses.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or InvalidOperationException or RpcException)
        {
            // The call is over: nothing more can reach the worker; pending work fails when the read side ends.
            outgoing.Writer.TryComplete();
        }
    }

    private void Dispatch(StreamingMessage message)
    {
        switch (message.ContentCase)
        {
            case StreamingMessage.ContentOneofCase.StartStream:
                if (message.StartStream.WorkerId != WorkerId)
                {
                    Log.UnexpectedWorker(logger, message.StartStream.WorkerId);
                }

                started.TrySetResult();
                break;
            case StreamingMessage.ContentOneofCase.WorkerInitResponse:
                initialized.TrySetResult(message.WorkerInitResponse);
                break;
            case StreamingMessage.ContentOneofCase.FunctionMetadataResponse:
                indexed.TrySetResult(message.FunctionMetadataResponse);
                break;
            case StreamingMessage.ContentOneofCase.FunctionLoadResponse:
                loads.GetOrAdd(message.FunctionLoadResponse.FunctionId, _ => NewSource<FunctionLoadResponse>()).TrySetResult(message.FunctionLoadResponse);
                break;
            case StreamingMessage.ContentOneofCase.InvocationResponse:
                if (invocations.TryRemove(message.InvocationResponse.InvocationId, out var invocation))
                {
                    invocation.TrySetResult(message.InvocationResponse);
                }

                break;
            case StreamingMessage.ContentOneofCase.RpcLog:
                logs.Forward(message.RpcLog);
                break;
            default:
                Log.Ignored(logger, message.ContentCase.ToString());
                break;
        }
    }

    private void FailPending(Exception exception)
    {
        started.TrySetException(exception);
        initialized.TrySetException(exception);
        indexed.TrySetException(exception);
        foreach (var load in loads.Values)
        {
            load.TrySetException(exception);
        }

        foreach (var id in invocations.Keys)
        {
            if (invocations.TryRemove(id, out var invocation))
            {
                invocation.TrySetException(exception);
            }
        }
    }

    private static void EnsureSuccess(StatusResult? result, string step)
    {
        if (result is null || result.Status != StatusResult.Types.Status.Success)
        {
            var reason = result?.Exception?.Message is { Length: > 0 } message ? message : result?.Result;
            throw new WorkerChannelException($"The worker failed to {step}: {(string.IsNullOrEmpty(reason) ? result?.Status.ToString() ?? "no result" : reason)}");
        }
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static TaskCompletionSource<T> NewSource<T>() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Worker initialized: {RuntimeName} {RuntimeVersion}, worker {WorkerVersion}.")]
        public static partial void WorkerInitialized(ILogger logger, string? runtimeName, string? runtimeVersion, string? workerVersion);

        [LoggerMessage(2, LogLevel.Debug, "Worker stream ended: {Reason}.")]
        public static partial void StreamEnded(ILogger logger, string reason);

        [LoggerMessage(3, LogLevel.Debug, "Sending InvocationCancel for invocation {InvocationId}.")]
        public static partial void CancellingInvocation(ILogger logger, string invocationId);

        [LoggerMessage(4, LogLevel.Debug, "Not sent, the worker's stream has ended: {Content}.")]
        public static partial void DroppedAfterEnd(ILogger logger, string content);

        [LoggerMessage(5, LogLevel.Warning, "A worker with the unexpected id {WorkerId} started the stream.")]
        public static partial void UnexpectedWorker(ILogger logger, string workerId);

        [LoggerMessage(6, LogLevel.Debug, "Ignored a {Content} message from the worker.")]
        public static partial void Ignored(ILogger logger, string content);
    }
}
