using SseFunctions.Tests.Support;

namespace SseFunctions.Tests.EndToEnd;

// Every end-to-end contract test runs against both hosts: the DevServer, and the real Functions worker under the
// local Functions host.
public sealed class StreamingTestsOnDevServer() : StreamingTests(TestHostKind.DevServer)
{
}

public sealed class StreamingTestsOnFunctions() : StreamingTests(TestHostKind.Functions)
{
}

public sealed class HttpContractTestsOnDevServer() : HttpContractTests(TestHostKind.DevServer)
{
}

public sealed class HttpContractTestsOnFunctions() : HttpContractTests(TestHostKind.Functions)
{
}

public sealed class NothingLostTestsOnDevServer() : NothingLostTests(TestHostKind.DevServer)
{
}

public sealed class NothingLostTestsOnFunctions() : NothingLostTests(TestHostKind.Functions)
{
}

public sealed class StreamAccessTestsOnDevServer() : StreamAccessTests(TestHostKind.DevServer)
{
}

public sealed class StreamAccessTestsOnFunctions() : StreamAccessTests(TestHostKind.Functions)
{
}
