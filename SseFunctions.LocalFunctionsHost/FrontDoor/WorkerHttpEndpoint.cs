using System.Net.Sockets;

namespace SseFunctions.LocalFunctionsHost.FrontDoor;

/// <summary>The worker's ASP.NET Core server, from its HttpUri capability: where the front door forwards HTTP.</summary>
public sealed class WorkerHttpEndpoint(Uri address)
{
    public Uri Address { get; } = address;

    /// <summary>The worker answers WorkerInit before its Kestrel listens: wait until a TCP connection is accepted.</summary>
    public async Task WaitUntilListeningAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(Address.Host, Address.Port, deadline.Token).ConfigureAwait(false);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(20), deadline.Token).ConfigureAwait(false);
            }
        }
    }
}
