namespace SseFunctions.Streaming.ServiceBus.Amqp;

/// <summary>A token to put on <c>$cbs</c>. <see cref="ToString"/> never shows the token.</summary>
internal readonly record struct CbsToken(string TokenType, string Token, DateTimeOffset ExpiresOn)
{
    public override string ToString() => $"CbsToken {{ Type = {TokenType}, ExpiresOn = {ExpiresOn:O} }}";
}
