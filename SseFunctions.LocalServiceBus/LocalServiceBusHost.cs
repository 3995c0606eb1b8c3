namespace SseFunctions.LocalServiceBus;

// API CONTRACT (issue 2): signatures are fixed; bodies are being written on the broker branch.
/// <summary>A running broker, in-process. Dispose to stop it.</summary>
public sealed class LocalServiceBusHost : IAsyncDisposable
{
    private LocalServiceBusHost() { }

    public static Task<LocalServiceBusHost> StartAsync(LocalServiceBusOptions options, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public int Port => throw new NotImplementedException();

    /// <summary>Endpoint=sb://localhost:&lt;port&gt;;SharedAccessKeyName=...;SharedAccessKey=...;UseDevelopmentEmulator=true;</summary>
    public string ConnectionString => throw new NotImplementedException();

    /// <summary>Drops every connection and stops listening, keeping entities and messages (locks are released): a broker outage.</summary>
    public Task SuspendAsync() => throw new NotImplementedException();

    /// <summary>Listens again on the same port after <see cref="SuspendAsync"/>.</summary>
    public Task ResumeAsync() => throw new NotImplementedException();

    /// <summary>Messages available (not locked, not dead-lettered) in a queue or subscription, e.g. "token-streams/Subscriptions/sse-service-token-streams".</summary>
    public int ActiveMessageCount(string entityPath) => throw new NotImplementedException();

    /// <summary>Messages currently locked by a receiver in a queue or subscription.</summary>
    public int LockedMessageCount(string entityPath) => throw new NotImplementedException();

    public int DeadLetterMessageCount(string entityPath) => throw new NotImplementedException();

    public bool IsSessionLocked(string entityPath, string sessionId) => throw new NotImplementedException();

    public ValueTask DisposeAsync() => throw new NotImplementedException();
}
