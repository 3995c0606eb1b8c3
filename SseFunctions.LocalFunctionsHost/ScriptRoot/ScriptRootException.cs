namespace SseFunctions.LocalFunctionsHost.ScriptRoot;

/// <summary>The script root cannot be served: a file is missing or unreadable. The message says which and why.</summary>
public sealed class ScriptRootException(string message) : Exception(message);
