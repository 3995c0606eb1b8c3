using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using SseFunctions.LocalFunctionsHost.Rpc;
using SseFunctions.LocalFunctionsHost.Rpc.Messages;
using Status = SseFunctions.LocalFunctionsHost.Rpc.Messages.StatusResult.Types.Status;

namespace SseFunctions.Tests.Functions.LocalHost;

/// <summary>The host's side of the worker protocol, with the test playing the worker on an in-memory stream.</summary>
public sealed class WorkerChannelTests : IAsyncDisposable
{
    private readonly FakeWorkerStream worker = new();
    private readonly FakeLogCollector logs = new();
    private readonly ILoggerFactory loggerFactory;
    private readonly WorkerChannel channel;
    private readonly Task running;

    public WorkerChannelTests()
    {
        loggerFactory = LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(logs)));
        channel = new WorkerChannel("worker-1", "request-1", new WorkerLogForwarder(loggerFactory), loggerFactory.CreateLogger<WorkerChannel>());
        running = channel.RunAsync(worker, worker, CancellationToken.None);
    }

    internal static RpcFunctionMetadata Metadata(string name) => new()
    {
        Name = name,
        FunctionId = $"id-{name}",
        ScriptFile = "App.dll",
        EntryPoint = $"App.{name}",
        RawBindings = { $$"""{"name":"req","type":"httpTrigger","direction":"In","authLevel":"Anonymous","methods":["get"],"route":"{{name}}/{id}"}""" },
    };

    [Fact]
    public async Task The_handshake_initializes_indexes_and_loads_every_function_in_order()
    {
        var initializing = channel.InitializeAsync("/app", CancellationToken.None);
        worker.Send(new StreamingMessage { StartStream = new StartStream { WorkerId = "worker-1" } });

        var init = await worker.ReceiveAsync();
        init.WorkerInitRequest.FunctionAppDirectory.Should().Be("/app");
        init.WorkerInitRequest.WorkerDirectory.Should().Be("/app");
        init.RequestId.Should().Be("request-1");
        worker.Send(new StreamingMessage { WorkerInitResponse = new WorkerInitResponse { Result = new StatusResult { Status = Status.Success }, Capabilities = { [WorkerChannel.HttpUriCapability] = "http://localhost:5555/" } } });

        (await worker.ReceiveAsync()).FunctionsMetadataRequest.FunctionAppDirectory.Should().Be("/app");
        worker.Send(new StreamingMessage { FunctionMetadataResponse = new FunctionMetadataResponse { Result = new StatusResult { Status = Status.Success }, FunctionMetadataResults = { Metadata("a"), Metadata("b") } } });

        var loads = new[] { (await worker.ReceiveAsync()).FunctionLoadRequest, (await worker.ReceiveAsync()).FunctionLoadRequest };
        loads.Select(load => (load.FunctionId, load.Metadata.Name)).Should().Equal(("id-a", "a"), ("id-b", "b"));
        initializing.IsCompleted.Should().BeFalse("the host waits for every load response");
        foreach (var load in loads)
        {
            worker.Send(new StreamingMessage { FunctionLoadResponse = new FunctionLoadResponse { FunctionId = load.FunctionId, Result = new StatusResult { Status = Status.Success } } });
        }

        (await initializing).Select(f => f.Name).Should().Equal("a", "b");
        channel.WorkerCapabilities[WorkerChannel.HttpUriCapability].Should().Be("http://localhost:5555/");
    }

    [Fact]
    public async Task A_function_that_fails_to_load_fails_the_start_with_the_workers_reason()
    {
        var initializing = channel.InitializeAsync("/app", CancellationToken.None);
        worker.Send(new StreamingMessage { StartStream = new StartStream { WorkerId = "worker-1" } });
        await worker.ReceiveAsync();
        worker.Send(new StreamingMessage { WorkerInitResponse = new WorkerInitResponse { Result = new StatusResult { Status = Status.Success } } });
        await worker.ReceiveAsync();
        worker.Send(new StreamingMessage { FunctionMetadataResponse = new FunctionMetadataResponse { Result = new StatusResult { Status = Status.Success }, FunctionMetadataResults = { Metadata("a") } } });
        await worker.ReceiveAsync();

        worker.Send(new StreamingMessage { FunctionLoadResponse = new FunctionLoadResponse { FunctionId = "id-a", Result = new StatusResult { Status = Status.Failure, Exception = new RpcException { Message = "entry point not found" } } } });

        (await initializing.Invoking(t => t).Should().ThrowAsync<WorkerChannelException>())
            .WithMessage("*load function 'a'*entry point not found*");
    }

    [Fact]
    public async Task An_invocation_completes_with_its_response_and_a_cancel_reaches_the_worker_that_handles_it()
    {
        await worker.CompleteHandshakeAsync(channel, new() { [WorkerChannel.HandlesInvocationCancelCapability] = "True" });

        var invocation = channel.InvokeAsync(new InvocationRequest { InvocationId = "inv-1", FunctionId = "id-a" });
        (await worker.ReceiveAsync()).InvocationRequest.InvocationId.Should().Be("inv-1");
        channel.Cancel("inv-1");
        (await worker.ReceiveAsync()).InvocationCancel.InvocationId.Should().Be("inv-1");
        worker.Send(new StreamingMessage { InvocationResponse = new InvocationResponse { InvocationId = "inv-1", Result = new StatusResult { Status = Status.Cancelled } } });

        (await invocation).Result.Status.Should().Be(Status.Cancelled);
        channel.Cancel("inv-1");
        worker.HasPending.Should().BeFalse("a finished invocation is not cancelled");
    }

    [Fact]
    public async Task No_cancel_is_sent_to_a_worker_that_does_not_handle_it()
    {
        await worker.CompleteHandshakeAsync(channel, []);
        _ = channel.InvokeAsync(new InvocationRequest { InvocationId = "inv-1", FunctionId = "id-a" });
        await worker.ReceiveAsync();

        channel.Cancel("inv-1");

        worker.HasPending.Should().BeFalse();
    }

    [Fact]
    public async Task The_end_of_the_workers_stream_fails_open_invocations()
    {
        await worker.CompleteHandshakeAsync(channel, []);
        var invocation = channel.InvokeAsync(new InvocationRequest { InvocationId = "inv-1", FunctionId = "id-a" });

        worker.Close();

        await invocation.Invoking(t => t).Should().ThrowAsync<WorkerChannelException>();
        await channel.Completion;
        await channel.InvokeAsync(new InvocationRequest { InvocationId = "inv-2" }).Invoking(t => t).Should().ThrowAsync<WorkerChannelException>();
    }

    [Fact]
    public async Task Terminate_sends_the_grace_period_and_worker_logs_reach_the_hosts_loggers()
    {
        await worker.CompleteHandshakeAsync(channel, []);

        worker.Send(new StreamingMessage { RpcLog = new RpcLog { Category = "Function.stream.User", Level = RpcLog.Types.Level.Warning, Message = "from the worker", InvocationId = "inv-9" } });
        channel.Terminate(TimeSpan.FromSeconds(7));

        (await worker.ReceiveAsync()).WorkerTerminate.GracePeriod.ToTimeSpan().Should().Be(TimeSpan.FromSeconds(7));
        await Eventually.TrueAsync(() => logs.GetSnapshot().Any(r => r.Category == "Function.stream.User" && r.Level == LogLevel.Warning && r.Message == "from the worker"));
    }

    public async ValueTask DisposeAsync()
    {
        worker.Close();
        await running;
        loggerFactory.Dispose();
    }
}
