namespace SseFunctions.LocalFunctionsHost.Hosting;

/// <summary>The host could not start the app: the message says why (worker output included when the worker exited).</summary>
public sealed class HostStartException(string message, Exception? innerException = null) : Exception(message, innerException);
