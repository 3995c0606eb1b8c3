using System.Diagnostics;
using SseFunctions.LocalFunctionsHost.Functions;
using SseFunctions.LocalFunctionsHost.Rpc.Messages;

namespace SseFunctions.LocalFunctionsHost.FrontDoor;

/// <summary>
/// The InvocationRequest of a proxied HTTP call: the request itself travels over HTTP (x-ms-invocation-id pairs
/// the two), so the trigger input is an empty RpcHttp and the route values go in the trigger metadata, where the
/// worker binds parameters such as <c>string sessionId</c> from.
/// </summary>
public static class InvocationRequests
{
    public static InvocationRequest Create(string invocationId, HttpFunction function, RouteValueDictionary routeValues, Activity? activity)
    {
        var request = new InvocationRequest
        {
            InvocationId = invocationId,
            FunctionId = function.FunctionId,
            TraceContext = new RpcTraceContext { TraceParent = activity?.Id ?? string.Empty, TraceState = activity?.TraceStateString ?? string.Empty },
        };
        request.InputData.Add(new ParameterBinding { Name = function.TriggerName, Data = new TypedData { Http = new RpcHttp() } });
        foreach (var (name, value) in routeValues)
        {
            if (value?.ToString() is { } text)
            {
                request.TriggerMetadata[name] = new TypedData { String = text };
            }
        }

        return request;
    }
}
