using System.Threading.Channels;
using Grpc.Core;
using SseFunctions.LocalFunctionsHost.Rpc;
using SseFunctions.LocalFunctionsHost.Rpc.Messages;
using Status = SseFunctions.LocalFunctionsHost.Rpc.Messages.StatusResult.Types.Status;

namespace SseFunctions.Tests.Functions.LocalHost;

/// <summary>Both ends of an EventStream call in memory: the host's reader and writer, and the test playing the worker.</summary>
internal sealed class FakeWorkerStream : IAsyncStreamReader<StreamingMessage>, IServerStreamWriter<StreamingMessage>
{
    private readonly Channel<StreamingMessage> toHost = Channel.CreateUnbounded<StreamingMessage>();
    private readonly Channel<StreamingMessage> fromHost = Channel.CreateUnbounded<StreamingMessage>();

    public StreamingMessage Current { get; private set; } = new();

    public WriteOptions? WriteOptions { get; set; }

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        if (await toHost.Reader.WaitToReadAsync(cancellationToken) && toHost.Reader.TryRead(out var message))
        {
            Current = message;
            return true;
        }

        return false;
    }

    public Task WriteAsync(StreamingMessage message) => WriteAsync(message, CancellationToken.None);

    public Task WriteAsync(StreamingMessage message, CancellationToken cancellationToken)
    {
        fromHost.Writer.TryWrite(message);
        return Task.CompletedTask;
    }

    /// <summary>The worker sends a message to the host.</summary>
    public void Send(StreamingMessage message) => toHost.Writer.TryWrite(message);

    /// <summary>The worker ends its side of the call (it stopped or died).</summary>
    public void Close() => toHost.Writer.TryComplete();

    /// <summary>The next message the host sent the worker.</summary>
    public async Task<StreamingMessage> ReceiveAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        return await fromHost.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>Plays the worker through the start-up handshake, announcing <paramref name="capabilities"/> and the given functions.</summary>
    public async Task CompleteHandshakeAsync(WorkerChannel channel, Dictionary<string, string> capabilities, params RpcFunctionMetadata[] functions)
    {
        var initializing = channel.InitializeAsync("/app", CancellationToken.None);
        Send(new StreamingMessage { StartStream = new StartStream { WorkerId = channel.WorkerId } });
        await ReceiveAsync();
        Send(new StreamingMessage { WorkerInitResponse = new WorkerInitResponse { Result = new StatusResult { Status = Status.Success }, Capabilities = { capabilities } } });
        await ReceiveAsync();
        Send(new StreamingMessage { FunctionMetadataResponse = new FunctionMetadataResponse { Result = new StatusResult { Status = Status.Success }, FunctionMetadataResults = { functions } } });
        foreach (var function in functions)
        {
            await ReceiveAsync();
            Send(new StreamingMessage { FunctionLoadResponse = new FunctionLoadResponse { FunctionId = function.FunctionId, Result = new StatusResult { Status = Status.Success } } });
        }

        await initializing;
    }

    /// <summary>Whether the host has sent something not yet received.</summary>
    public bool HasPending => fromHost.Reader.TryPeek(out _);
}
