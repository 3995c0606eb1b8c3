namespace SseFunctions.LocalFunctionsHost.Rpc;

/// <summary>The worker refused a step of the protocol, or its stream ended; the message says which.</summary>
public sealed class WorkerChannelException(string message, Exception? innerException = null) : Exception(message, innerException);
