namespace SseFunctions.Streaming.Access;

/// <summary>What <see cref="StreamTokenValidator"/> made of a stream access token.</summary>
public enum StreamTokenOutcome
{
    Valid,
    Missing,
    Malformed,
    InvalidSignature,
    Expired,
    NotYetValid,
    NoExpiration,
    InvalidIssuer,
    InvalidAudience,
    /// <summary>Validly signed, but for another session or chat message.</summary>
    OtherStream,
    /// <summary>Two tokens in one request (query and header, or the query parameter twice).</summary>
    Ambiguous,
    Invalid,
}
