namespace SseFunctions.Tests.Support;

/// <summary>A running host of the service's endpoints, on a free loopback port.</summary>
public interface ITestAppHost : IAsyncDisposable
{
    Uri BaseAddress { get; }
}
