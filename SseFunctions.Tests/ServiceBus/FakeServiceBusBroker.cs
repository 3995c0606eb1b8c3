using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Amqp;
using Amqp.Framing;
using Amqp.Listener;
using Amqp.Types;

namespace SseFunctions.Tests.ServiceBus;

/// <summary>
/// A minimal AMQP listener (AMQPNetLite ContainerHost) for what LocalServiceBus does not let a test control:
/// <c>$cbs</c> accepts every put-token and records it (LocalServiceBus validates SAS tokens only, so the JWT path is
/// proven here), and session receivers on any entity are attached with a short lock whose renewals on
/// <c>&lt;entity&gt;/$management</c> answer what the test queued in <see cref="RenewFailures"/>.
/// </summary>
internal sealed class FakeServiceBusBroker : IDisposable
{
    private readonly ContainerHost _host;

    public FakeServiceBusBroker(string? sessionEntity = null, System.Security.Cryptography.X509Certificates.X509Certificate2? tlsCertificate = null)
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        _host = new ContainerHost(new Address($"{(tlsCertificate is null ? "amqp" : "amqps")}://127.0.0.1:{Port}"));
        _host.Listeners[0].SASL.EnableAnonymousMechanism = true;
        if (tlsCertificate is not null)
        {
            _host.Listeners[0].SSL.Certificate = tlsCertificate;
        }

        _host.RegisterRequestProcessor("$cbs", new CbsProcessor(this));
        if (sessionEntity is not null)
        {
            _host.RegisterRequestProcessor(sessionEntity + "/$management", new ManagementProcessor(this));
            _host.RegisterLinkProcessor(new SessionLinkProcessor(this));
        }

        _host.Open();
    }

    public int Port { get; }

    public string ConnectionString => $"Endpoint=sb://127.0.0.1:{Port}/;SharedAccessKeyName=fake;SharedAccessKey=fake-key;UseDevelopmentEmulator=true";

    public TimeSpan LockDuration { get; set; } = TimeSpan.FromSeconds(2);

    public ConcurrentQueue<(string? Type, string? Audience, string? Token)> PutTokens { get; } = new();

    /// <summary>Answers to the next renew-session-lock requests (status code, error condition); empty = 200 with a new expiration.</summary>
    public ConcurrentQueue<(int Status, string Condition)> RenewFailures { get; } = new();

    public int RenewCount => Volatile.Read(ref _renewCount);

    private int _renewCount;

    public void Dispose() => _host.Close();

    private sealed class CbsProcessor(FakeServiceBusBroker owner) : IRequestProcessor
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

    private sealed class ManagementProcessor(FakeServiceBusBroker owner) : IRequestProcessor
    {
        public int Credit => 100;

        public void Process(RequestContext requestContext)
        {
            Interlocked.Increment(ref owner._renewCount);
            var response = new Message { ApplicationProperties = new ApplicationProperties() };
            if (owner.RenewFailures.TryDequeue(out var failure))
            {
                response.ApplicationProperties["statusCode"] = failure.Status;
                response.ApplicationProperties["errorCondition"] = new Symbol(failure.Condition);
                response.ApplicationProperties["statusDescription"] = "fake failure";
            }
            else
            {
                response.ApplicationProperties["statusCode"] = 200;
                response.BodySection = new AmqpValue { Value = new Map { ["expiration"] = DateTime.UtcNow + owner.LockDuration } };
            }

            requestContext.Complete(response);
        }
    }

    private sealed class SessionLinkProcessor(FakeServiceBusBroker owner) : ILinkProcessor
    {
        public void Process(AttachContext attachContext)
        {
            // the attach is echoed: the client's source (with its session filter) plus the lock expiry property
            attachContext.Attach.Properties = new Fields { [new Symbol("com.microsoft:locked-until-utc")] = (DateTime.UtcNow + owner.LockDuration).Ticks };
            attachContext.Complete(new SilentEndpoint(), 0);
        }
    }

    private sealed class SilentEndpoint : LinkEndpoint
    {
        public override void OnFlow(FlowContext flowContext) { }

        public override void OnDisposition(DispositionContext dispositionContext) => dispositionContext.Complete();
    }
}
