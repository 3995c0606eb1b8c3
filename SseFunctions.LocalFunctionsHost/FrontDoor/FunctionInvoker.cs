using System.Diagnostics;
using System.Net;
using SseFunctions.LocalFunctionsHost.Functions;
using SseFunctions.LocalFunctionsHost.Rpc;
using SseFunctions.LocalFunctionsHost.Rpc.Messages;
using Yarp.ReverseProxy.Forwarder;

namespace SseFunctions.LocalFunctionsHost.FrontDoor;

/// <summary>
/// Runs one HTTP call of a function as the real host does for a worker with the HttpUri capability: forwards the
/// request to the worker's ASP.NET Core server with <c>x-ms-invocation-id</c> (YARP streams the response back as it
/// is written), sends the InvocationRequest over gRPC, and sends InvocationCancel when the client leaves.
/// </summary>
public sealed partial class FunctionInvoker : IDisposable
{
    public const string InvocationIdHeader = "x-ms-invocation-id";

    // As the real host: a response may stay silent this long between two writes (heartbeats keep SSE below it).
    private static readonly ForwarderRequestConfig RequestConfig = new() { ActivityTimeout = TimeSpan.FromSeconds(240) };

    private readonly WorkerChannel channel;
    private readonly IHttpForwarder forwarder;
    private readonly string workerHttpUri;
    private readonly ILogger<FunctionInvoker> logger;
    private readonly HttpMessageInvoker invoker = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        ConnectTimeout = TimeSpan.FromSeconds(15),
    });

    public FunctionInvoker(WorkerChannel channel, IHttpForwarder forwarder, WorkerHttpEndpoint endpoint, ILogger<FunctionInvoker> logger)
    {
        this.channel = channel;
        this.forwarder = forwarder;
        this.logger = logger;
        workerHttpUri = endpoint.Address.AbsoluteUri;
    }

    public async Task InvokeAsync(HttpContext context, HttpFunction function)
    {
        if (function.AuthorizationLevel != FunctionAuthorizationLevel.Anonymous && !FunctionKeys.IsPresent(context.Request))
        {
            Log.MissingKey(logger, function.Name, function.AuthorizationLevel);
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return;
        }

        var invocationId = Guid.NewGuid().ToString();
        using var scope = logger.BeginScope(new KeyValuePair<string, object>[] { new("InvocationId", invocationId), new("FunctionName", function.Name) });
        context.Request.Headers[InvocationIdHeader] = invocationId;
        var started = Stopwatch.GetTimestamp();

        // The forwarding starts first, as in the real host, so the worker finds the request when the invocation arrives.
        var forwarding = forwarder.SendAsync(context, workerHttpUri, invoker, RequestConfig, HttpTransformer.Default).AsTask();
        var invocation = channel.InvokeAsync(InvocationRequests.Create(invocationId, function, context.Request.RouteValues, Activity.Current));
        ForwarderError forwarded;
        InvocationResponse? response = null;
        Exception? failure = null;
        using (context.RequestAborted.Register(() => channel.Cancel(invocationId)))
        {
            forwarded = await forwarding.ConfigureAwait(false);
            try
            {
                response = await invocation.ConfigureAwait(false);
            }
            catch (WorkerChannelException exception)
            {
                failure = exception;
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        if (forwarded is not ForwarderError.None and not ForwarderError.RequestCanceled and not ForwarderError.ResponseBodyCanceled)
        {
            Log.ForwardingFailed(logger, function.Name, forwarded, context.GetForwarderErrorFeature()?.Exception);
        }

        if (failure is not null || response?.Result?.Status == StatusResult.Types.Status.Failure)
        {
            Log.InvocationFailed(logger, function.Name, failure?.Message ?? response?.Result?.Exception?.Message ?? "no reason given");
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            }

            return;
        }

        Log.InvocationCompleted(logger, function.Name, response?.Result?.Status.ToString() ?? "unknown", context.Response.StatusCode, elapsed);
    }

    public void Dispose() => invoker.Dispose();

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Executed '{FunctionName}' ({Status}, HTTP {StatusCode}, {ElapsedMs:0.0} ms).")]
        public static partial void InvocationCompleted(ILogger logger, string functionName, string status, int statusCode, double elapsedMs);

        [LoggerMessage(2, LogLevel.Error, "Function '{FunctionName}' failed: {Reason}.")]
        public static partial void InvocationFailed(ILogger logger, string functionName, string reason);

        [LoggerMessage(3, LogLevel.Warning, "Forwarding to the worker failed for '{FunctionName}': {Error}.")]
        public static partial void ForwardingFailed(ILogger logger, string functionName, ForwarderError error, Exception? exception);

        [LoggerMessage(4, LogLevel.Information, "Refused a call of '{FunctionName}' without a function key (authLevel {Level}): 401.")]
        public static partial void MissingKey(ILogger logger, string functionName, FunctionAuthorizationLevel level);
    }
}
