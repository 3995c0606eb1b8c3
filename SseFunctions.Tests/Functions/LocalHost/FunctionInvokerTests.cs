using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using SseFunctions.LocalFunctionsHost.FrontDoor;
using SseFunctions.LocalFunctionsHost.Functions;
using SseFunctions.LocalFunctionsHost.Rpc;
using SseFunctions.LocalFunctionsHost.Rpc.Messages;
using Yarp.ReverseProxy.Forwarder;
using Status = SseFunctions.LocalFunctionsHost.Rpc.Messages.StatusResult.Types.Status;

namespace SseFunctions.Tests.Functions.LocalHost;

/// <summary>One HTTP call of a function: forwarded with x-ms-invocation-id while the InvocationRequest goes over gRPC.</summary>
public sealed class FunctionInvokerTests : IAsyncDisposable
{
    private static readonly HttpFunction Secured = new("orders", "id-orders", "req", "orders/{id}", ["GET"], FunctionAuthorizationLevel.Function);

    private readonly FakeWorkerStream worker = new();
    private readonly WorkerChannel channel = new("worker-1", "request-1", new WorkerLogForwarder(NullLoggerFactory.Instance), NullLogger<WorkerChannel>.Instance);
    private readonly ControlledForwarder forwarder = new();
    private readonly FunctionInvoker invoker;
    private readonly Task running;

    public FunctionInvokerTests()
    {
        running = channel.RunAsync(worker, worker, CancellationToken.None);
        invoker = new FunctionInvoker(channel, forwarder, new WorkerHttpEndpoint(new Uri("http://localhost:5555/")), NullLogger<FunctionInvoker>.Instance);
    }

    [Fact]
    public async Task A_non_anonymous_function_called_without_a_key_gets_401_and_the_worker_sees_nothing()
    {
        await worker.CompleteHandshakeAsync(channel, []);
        var context = Request("/orders/42");

        await invoker.InvokeAsync(context, Secured);

        context.Response.StatusCode.Should().Be(StatusCodes.Status401Unauthorized);
        forwarder.Calls.Should().Be(0);
        worker.HasPending.Should().BeFalse();
    }

    [Theory]
    [InlineData("?code=k", null)]
    [InlineData("", "k")]
    public async Task With_a_key_the_request_is_forwarded_and_invoked_with_its_route_values(string query, string? header)
    {
        await worker.CompleteHandshakeAsync(channel, []);
        var context = Request("/orders/42", query);
        if (header is not null)
        {
            context.Request.Headers[FunctionKeys.Header] = header;
        }

        var invoking = invoker.InvokeAsync(context, Secured);
        var request = (await worker.ReceiveAsync()).InvocationRequest;

        forwarder.Destination.Should().Be("http://localhost:5555/");
        context.Request.Headers[FunctionInvoker.InvocationIdHeader].ToString().Should().Be(request.InvocationId);
        request.FunctionId.Should().Be("id-orders");
        request.TriggerMetadata["id"].String.Should().Be("42");
        request.InputData.Should().ContainSingle(binding => binding.Name == "req" && binding.Data.Http != null);
        request.TraceContext.Should().NotBeNull();
        forwarder.Complete(ForwarderError.None);
        worker.Send(new StreamingMessage { InvocationResponse = new InvocationResponse { InvocationId = request.InvocationId, Result = new StatusResult { Status = Status.Success } } });
        await invoking;
        context.Response.StatusCode.Should().Be(StatusCodes.Status200OK);
    }

    [Fact]
    public async Task A_client_that_leaves_makes_the_host_send_InvocationCancel()
    {
        await worker.CompleteHandshakeAsync(channel, new() { [WorkerChannel.HandlesInvocationCancelCapability] = "True" });
        using var client = new CancellationTokenSource();
        var context = Request("/orders/42", "?code=k");
        context.RequestAborted = client.Token;
        var invoking = invoker.InvokeAsync(context, Secured);
        var request = (await worker.ReceiveAsync()).InvocationRequest;

        client.Cancel();

        (await worker.ReceiveAsync()).InvocationCancel.InvocationId.Should().Be(request.InvocationId);
        forwarder.Complete(ForwarderError.RequestCanceled);
        worker.Send(new StreamingMessage { InvocationResponse = new InvocationResponse { InvocationId = request.InvocationId, Result = new StatusResult { Status = Status.Cancelled } } });
        await invoking;
    }

    [Fact]
    public async Task A_failed_invocation_before_the_response_started_is_a_500()
    {
        await worker.CompleteHandshakeAsync(channel, []);
        var context = Request("/orders/42", "?code=k");
        var invoking = invoker.InvokeAsync(context, Secured);
        var request = (await worker.ReceiveAsync()).InvocationRequest;

        forwarder.Complete(ForwarderError.None);
        worker.Send(new StreamingMessage { InvocationResponse = new InvocationResponse { InvocationId = request.InvocationId, Result = new StatusResult { Status = Status.Failure } } });
        await invoking;

        context.Response.StatusCode.Should().Be(StatusCodes.Status500InternalServerError);
    }

    private static DefaultHttpContext Request(string path, string query = "")
    {
        var context = new DefaultHttpContext();
        context.Request.Method = HttpMethods.Get;
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query);
        context.Request.RouteValues["id"] = path.Split('/')[^1];
        return context;
    }

    public async ValueTask DisposeAsync()
    {
        worker.Close();
        await running;
        invoker.Dispose();
    }

    /// <summary>Stands for YARP: records the call and finishes when the test says.</summary>
    private sealed class ControlledForwarder : IHttpForwarder
    {
        private readonly TaskCompletionSource<ForwarderError> result = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Calls { get; private set; }

        public string? Destination { get; private set; }

        public void Complete(ForwarderError error) => result.TrySetResult(error);

        public ValueTask<ForwarderError> SendAsync(HttpContext context, string destinationPrefix, HttpMessageInvoker httpClient, ForwarderRequestConfig requestConfig, HttpTransformer transformer)
        {
            Calls++;
            Destination = destinationPrefix;
            return new ValueTask<ForwarderError>(result.Task);
        }
    }
}
