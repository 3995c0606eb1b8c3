using Azure.Core;

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

/// <summary>Signs a SAS token per audience with the shared access key.</summary>
internal sealed class SasKeyTokenProvider(string keyName, string key, TimeSpan validity) : CbsTokenProvider
{
    public TimeSpan Validity { get; } = validity;

    public override ValueTask<CbsToken> GetTokenAsync(string audience, CancellationToken cancellationToken)
    {
        var expiresOn = DateTimeOffset.UtcNow + Validity;
        return ValueTask.FromResult(new CbsToken(AmqpConstants.SasTokenType, SharedAccessSignature.Create(keyName, key, audience, expiresOn), expiresOn));
    }

    public override string ToString() => $"SasKeyTokenProvider {{ KeyName = {keyName} }}";
}

/// <summary>A SAS token given as is (connection string <c>SharedAccessSignature=</c>): cannot be renewed.</summary>
internal sealed class FixedSasTokenProvider(string signature) : CbsTokenProvider
{
    private readonly DateTimeOffset _expiresOn = SharedAccessSignature.GetExpiry(signature) ?? DateTimeOffset.MaxValue;

    public override ValueTask<CbsToken> GetTokenAsync(string audience, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new CbsToken(AmqpConstants.SasTokenType, signature, _expiresOn));

    public override string ToString() => "FixedSasTokenProvider";
}

/// <summary>An Azure.Identity credential (managed identity, DefaultAzureCredential...): a JWT for the Service Bus scope.</summary>
internal sealed class CredentialTokenProvider(TokenCredential credential) : CbsTokenProvider
{
    private static readonly TokenRequestContext Context = new([AmqpConstants.ServiceBusScope]);

    public override async ValueTask<CbsToken> GetTokenAsync(string audience, CancellationToken cancellationToken)
    {
        var token = await credential.GetTokenAsync(Context, cancellationToken).ConfigureAwait(false);
        return new CbsToken(AmqpConstants.JwtTokenType, token.Token, token.ExpiresOn);
    }

    public override string ToString() => $"CredentialTokenProvider {{ Credential = {credential.GetType().Name} }}";
}
