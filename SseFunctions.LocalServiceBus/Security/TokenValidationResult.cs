namespace SseFunctions.LocalServiceBus.Security;

public enum TokenValidationFailure
{
    None,
    Malformed,
    UnknownKeyName,
    BadSignature,
    Expired,
    AudienceMismatch,
    OtherHost,
}

/// <summary>The outcome of validating a put-token request; <see cref="Scope"/> is the entity path the token grants.</summary>
public readonly record struct TokenValidationResult(TokenValidationFailure Failure, string Scope, DateTimeOffset ExpiresAt)
{
    public bool IsValid => Failure == TokenValidationFailure.None;
}
