using Microsoft.Diagnostics.Tracing.Etlx;
using Microsoft.Diagnostics.Tracing.Parsers.Clr;

namespace SseFunctions.Benchmarks.Measurement;

/// <summary>
/// Sampled allocations per token, split by who allocated: walking each sample's stack from the allocation up, the first
/// frame in a namespace of <see cref="Owners"/> owns it (a string the JSON reader makes for our parser is ours; a
/// buffer the AMQP library makes for the SDK is the SDK's). <see cref="TopOwnSites"/> lists where our own bytes come from.
/// </summary>
public sealed record AllocationSplit(double TotalBytesPerToken, IReadOnlyDictionary<string, double> BytesPerTokenByOwner, IReadOnlyList<AllocationSite> TopOwnSites)
{
    public const string Ours = "ours (SseFunctions)";
    public const string ServiceBusSdk = "Service Bus SDK (Azure.*, AMQP)";
    public const string AspNetCore = "ASP.NET Core (Kestrel)";
    public const string FunctionsWorker = "Functions worker (gRPC)";
    public const string Runtime = "runtime and BCL alone";

    private static readonly (string Prefix, string Owner)[] Owners =
    [
        ("SseFunctions.", Ours),
        ("Azure.Messaging.", ServiceBusSdk),
        ("Azure.Core", ServiceBusSdk),
        ("Microsoft.Azure.Amqp", ServiceBusSdk),
        ("Microsoft.AspNetCore.", AspNetCore),
        ("Microsoft.Azure.Functions.", FunctionsWorker),
        ("Grpc.", FunctionsWorker),
    ];

    public static AllocationSplit Read(string nettracePath, long tokens)
    {
        var perToken = 1.0 / Math.Max(1, tokens);
        var byOwner = new Dictionary<string, double>();
        var ownSites = new Dictionary<string, double>();
        double total = 0;
        using (var log = new TraceLog(TraceLog.CreateFromEventPipeDataFile(nettracePath)))
        {
            foreach (var traceEvent in log.Events)
            {
                if (traceEvent is not GCAllocationTickTraceData sample)
                {
                    continue;
                }

                var bytes = sample.AllocationAmount64 * perToken;
                total += bytes;
                var (owner, frame) = OwnerOf(sample.CallStack());
                byOwner[owner] = byOwner.GetValueOrDefault(owner) + bytes;
                if (owner == Ours)
                {
                    var site = $"{sample.TypeName} in {frame}";
                    ownSites[site] = ownSites.GetValueOrDefault(site) + bytes;
                }
            }
        }

        return new AllocationSplit(total, byOwner, [.. ownSites.OrderByDescending(s => s.Value).Take(5).Select(s => new AllocationSite(s.Key, s.Value))]);
    }

    public double Of(string owner) => BytesPerTokenByOwner.GetValueOrDefault(owner);

    private static (string Owner, string Frame) OwnerOf(TraceCallStack? stack)
    {
        for (var frame = stack; frame is not null; frame = frame.Caller)
        {
            var method = frame.CodeAddress.FullMethodName;
            if (string.IsNullOrEmpty(method))
            {
                continue;
            }

            foreach (var (prefix, owner) in Owners)
            {
                if (method.StartsWith(prefix, StringComparison.Ordinal))
                {
                    return (owner, ShortName(method));
                }
            }
        }

        return (Runtime, "");
    }

    // "Ns.Type+<Method>d__36.MoveNext()" → "Type+<Method>d__36.MoveNext"; parameters dropped.
    private static string ShortName(string method)
    {
        var name = method.Split('(', 2)[0];
        var parts = name.Split('.');
        return parts.Length <= 2 ? name : string.Join('.', parts[^3..]).TrimStart('.');
    }
}
