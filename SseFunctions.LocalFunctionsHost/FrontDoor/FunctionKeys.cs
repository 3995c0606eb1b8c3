namespace SseFunctions.LocalFunctionsHost.FrontDoor;

/// <summary>Where a caller puts a function key: the <c>code</c> query parameter or the <c>x-functions-key</c> header.</summary>
public static class FunctionKeys
{
    public const string QueryParameter = "code";
    public const string Header = "x-functions-key";

    /// <summary>Whether the request carries a key at all. This host has no key store: it refuses a missing key, it checks none.</summary>
    public static bool IsPresent(HttpRequest request) =>
        !string.IsNullOrWhiteSpace(request.Query[QueryParameter]) || !string.IsNullOrWhiteSpace(request.Headers[Header]);
}
