namespace SseFunctions.LocalServiceBus.Security;

/// <summary>Turns token resources and audiences (<c>sb://host:port/entity</c>) into comparable entity paths.</summary>
public static class EntityAudience
{
    public static string ToEntityPath(string audience)
    {
        var path = audience.Trim();
        var scheme = path.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            var slash = path.IndexOf('/', scheme + 3);
            path = slash < 0 ? "" : path[(slash + 1)..];
        }

        return path.Trim('/');
    }

    /// <summary>True when a token for <paramref name="scope"/> (a namespace or an entity) may be used for <paramref name="entityPath"/>.</summary>
    public static bool Covers(string scope, string entityPath)
    {
        if (scope.Length == 0)
        {
            return true;
        }

        entityPath = entityPath.Trim('/');
        return entityPath.StartsWith(scope, StringComparison.OrdinalIgnoreCase) &&
            (entityPath.Length == scope.Length || entityPath[scope.Length] == '/');
    }
}
