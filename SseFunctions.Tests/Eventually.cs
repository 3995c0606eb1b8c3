namespace SseFunctions.Tests;

/// <summary>Polls for a state that changes asynchronously (a broker after a detach, a hub after a stream leaves).</summary>
public static class Eventually
{
    public static async Task TrueAsync(Func<bool> condition, string because = "", TimeSpan? timeout = null, Func<string>? describe = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        var deadline = DateTime.UtcNow + limit;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                condition().Should().BeTrue("{0} should hold within {1} ({2})", because, limit, describe?.Invoke() ?? "");
                return;
            }

            await Task.Delay(20);
        }
    }
}
