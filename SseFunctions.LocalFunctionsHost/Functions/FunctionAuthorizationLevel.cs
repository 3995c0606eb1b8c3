namespace SseFunctions.LocalFunctionsHost.Functions;

/// <summary>An HTTP trigger's <c>authLevel</c>, as the worker's metadata names it.</summary>
public enum FunctionAuthorizationLevel
{
    Anonymous,
    User,
    Function,
    System,
    Admin,
}
