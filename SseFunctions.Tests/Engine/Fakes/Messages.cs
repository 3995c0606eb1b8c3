namespace SseFunctions.Tests.Engine.Fakes;

/// <summary>Bodies in the LLM worker's format.</summary>
public static class Messages
{
    public static string Token(string chatMessageId, string token) => $$"""{"chatMessageId":"{{chatMessageId}}","token":"{{token}}"}""";

    public static string End(string chatMessageId) => $$"""{"chatMessageId":"{{chatMessageId}}","end_of_stream":true}""";
}
