using Azure.Core;

namespace SseFunctions.Tests.ServiceBus;

/// <summary>A TokenCredential that hands out numbered fake JWTs with a chosen lifetime.</summary>
internal sealed class FakeTokenCredential(TimeSpan? lifetime = null) : TokenCredential
{
    private int _count;

    public List<string[]> Scopes { get; } = [];

    public int Count => Volatile.Read(ref _count);

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        lock (Scopes)
        {
            Scopes.Add(requestContext.Scopes);
        }

        var n = Interlocked.Increment(ref _count);
        return new AccessToken("fake-jwt-" + n, DateTimeOffset.UtcNow + (lifetime ?? TimeSpan.FromHours(1)));
    }
}
