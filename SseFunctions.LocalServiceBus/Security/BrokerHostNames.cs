using System.Net;

namespace SseFunctions.LocalServiceBus.Security;

/// <summary>
/// The host names a token may be for, as a Service Bus namespace has its one name: localhost, the loopback addresses, the
/// machine's name, the address the broker listens on, and any given with <c>--hostname</c>.
/// </summary>
public sealed class BrokerHostNames
{
    readonly HashSet<string> names = new(StringComparer.OrdinalIgnoreCase) { "localhost", "127.0.0.1", "::1", Environment.MachineName };

    public BrokerHostNames(string listenHost, IEnumerable<string> extraNames)
    {
        if (IPAddress.TryParse(listenHost.Trim('[', ']'), out var address) ? !address.Equals(IPAddress.Any) && !address.Equals(IPAddress.IPv6Any) : listenHost is not ("*" or "+"))
        {
            names.Add(listenHost.Trim('[', ']'));
        }

        foreach (var name in extraNames)
        {
            names.Add(name.Trim().Trim('[', ']'));
        }
    }

    public IReadOnlyCollection<string> Names => names;

    /// <summary>True when <paramref name="uri"/> (<c>sb://host[:port]/path</c>, amqp or amqps) names one of these hosts.</summary>
    public bool Covers(string uri) =>
        uri.Contains("://", StringComparison.Ordinal) &&
        Uri.TryCreate(uri.Trim(), UriKind.Absolute, out var parsed) &&
        parsed.Host.Length > 0 &&
        names.Contains(parsed.Host.Trim('[', ']'));
}
