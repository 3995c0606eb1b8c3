namespace SseFunctions.Streaming.ServiceBus.Amqp;

/// <summary>Produces the token that authorises one audience (<c>sb://&lt;host&gt;/&lt;entity&gt;</c>).</summary>
internal abstract class CbsTokenProvider
{
    public abstract ValueTask<CbsToken> GetTokenAsync(string audience, CancellationToken cancellationToken);

    public static CbsTokenProvider FromConnectionString(ServiceBusConnectionString connectionString) =>
        connectionString.SharedAccessSignature is { } signature
            ? new FixedSasTokenProvider(signature)
            : new SasKeyTokenProvider(connectionString.SharedAccessKeyName!, connectionString.SharedAccessKey!, TimeSpan.FromHours(1));
}
