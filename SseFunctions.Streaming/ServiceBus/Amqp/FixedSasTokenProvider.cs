namespace SseFunctions.Streaming.ServiceBus.Amqp;

/// <summary>A SAS token given as is (connection string <c>SharedAccessSignature=</c>): cannot be renewed.</summary>
internal sealed class FixedSasTokenProvider(string signature) : CbsTokenProvider
{
    private readonly DateTimeOffset _expiresOn = SharedAccessSignature.GetExpiry(signature) ?? DateTimeOffset.MaxValue;

    public override ValueTask<CbsToken> GetTokenAsync(string audience, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new CbsToken(AmqpConstants.SasTokenType, signature, _expiresOn));

    public override string ToString() => "FixedSasTokenProvider";
}
