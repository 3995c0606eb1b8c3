using SseFunctions.Streaming.Sessions;

namespace SseFunctions.Tests.Engine.Fakes;

public static class SubscriptionExtensions
{
    /// <summary>Takes <paramref name="count"/> deliveries as a stream would, waiting (in real time) for them to be routed.</summary>
    public static async Task<List<SessionDelivery>> TakeAsync(this StreamSubscription subscription, int count)
    {
        var batch = new List<SessionDelivery>();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (batch.Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
            subscription.Take(batch, count - batch.Count);
        }

        batch.Should().HaveCount(count);
        return batch;
    }
}
