using Azure.Core;

namespace SseFunctions.Streaming.ServiceBus.Amqp;

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
