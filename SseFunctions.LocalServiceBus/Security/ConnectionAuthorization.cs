namespace SseFunctions.LocalServiceBus.Security;

/// <summary>What one AMQP connection may use: the scopes of its accepted put-tokens, or everything after SASL PLAIN with the key.</summary>
public sealed class ConnectionAuthorization(TimeProvider timeProvider)
{
    readonly Lock gate = new();
    readonly Dictionary<string, DateTimeOffset> grants = new(StringComparer.OrdinalIgnoreCase);

    public bool HasFullAccess { get; set; }

    public void Grant(string scope, DateTimeOffset expiresAt)
    {
        lock (gate)
        {
            grants[scope] = expiresAt;
        }
    }

    public bool IsAuthorized(string entityPath)
    {
        if (HasFullAccess)
        {
            return true;
        }

        var now = timeProvider.GetUtcNow();
        lock (gate)
        {
            foreach (var (scope, expiresAt) in grants)
            {
                if (expiresAt > now && EntityAudience.Covers(scope, entityPath))
                {
                    return true;
                }
            }
        }

        return false;
    }
}
