using System.Net;

namespace SseFunctions.Benchmarks.Load;

/// <summary>The load generator's HTTP client: one connection per stream, as many as asked, no proxy, no decompression,
/// so that the client is never what limits the service.</summary>
public static class LoadHttpClient
{
    /// <summary>A new client with its own connection pool: dispose it after a run, so that its connections (up to one per
    /// stream) are closed and do not count against the file descriptor limit of the next run.</summary>
    public static HttpClient Create() => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = int.MaxValue,
        UseProxy = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(30),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };
}
