namespace SseFunctions.Streaming.ServiceBus.Amqp;

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
