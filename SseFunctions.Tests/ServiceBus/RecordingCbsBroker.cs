using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Amqp;
using Amqp.Framing;
using Amqp.Listener;

namespace SseFunctions.Tests.ServiceBus;

/// <summary>A minimal AMQP listener (AMQPNetLite ContainerHost) with only a <c>$cbs</c> node that accepts every
/// put-token and records it. LocalServiceBus validates SAS tokens only, so the JWT path of the client (token type,
/// audience, refresh) is proven against this recorder.</summary>
internal sealed class RecordingCbsBroker : IDisposable
{
    private readonly ContainerHost _host;

    public RecordingCbsBroker()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _host = new ContainerHost(new Address($"amqp://127.0.0.1:{Port}"));
        _host.Listeners[0].SASL.EnableAnonymousMechanism = true;
        _host.RegisterRequestProcessor("$cbs", new Processor(this));
        _host.Open();
    }

    public int Port { get; }

    public ConcurrentQueue<(string? Type, string? Audience, string? Token)> PutTokens { get; } = new();

    public void Dispose() => _host.Close();

    private sealed class Processor(RecordingCbsBroker owner) : IRequestProcessor
    {
        public int Credit => 100;

        public void Process(RequestContext requestContext)
        {
            var request = requestContext.Message;
            owner.PutTokens.Enqueue((request.ApplicationProperties?["type"] as string, request.ApplicationProperties?["name"] as string, request.Body as string));
            requestContext.Complete(new Message
            {
                ApplicationProperties = new ApplicationProperties { ["status-code"] = 202, ["status-description"] = "Accepted" },
            });
        }
    }
}
