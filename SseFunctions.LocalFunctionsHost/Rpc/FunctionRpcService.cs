using Grpc.Core;
using SseFunctions.LocalFunctionsHost.Rpc.Messages;

namespace SseFunctions.LocalFunctionsHost.Rpc;

/// <summary>The gRPC service the worker calls back (<c>--functions-uri</c>): its one duplex stream goes to the <see cref="WorkerChannel"/>.</summary>
public sealed class FunctionRpcService(WorkerChannel channel) : FunctionRpc.FunctionRpcBase
{
    public override Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context) =>
        channel.RunAsync(requestStream, responseStream, context.CancellationToken);
}
