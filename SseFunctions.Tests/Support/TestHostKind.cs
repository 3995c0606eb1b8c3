namespace SseFunctions.Tests.Support;

/// <summary>Which host serves the endpoints in an end-to-end test.</summary>
public enum TestHostKind
{
    /// <summary>The engine on Kestrel, in the test process.</summary>
    DevServer,

    /// <summary>The Functions app's build output, run by the real isolated worker under SseFunctions.LocalFunctionsHost.</summary>
    Functions,
}
