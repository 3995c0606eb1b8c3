using SseFunctions.Streaming.Sessions;

namespace SseFunctions.Tests.Engine;

public class DeliverySignalTests
{
    [Fact]
    public async Task A_set_ends_the_wait_with_true_and_the_signal_is_reusable()
    {
        using var signal = new DeliverySignal(TimeProvider.System);

        for (var i = 0; i < 3; i++)
        {
            var wait = signal.WaitAsync(TimeSpan.FromSeconds(30), default);
            wait.IsCompleted.Should().BeFalse();
            signal.Set();
            (await wait).Should().BeTrue();
        }
    }

    [Fact]
    public async Task A_timeout_ends_the_wait_with_false()
    {
        using var signal = new DeliverySignal(TimeProvider.System);

        (await signal.WaitAsync(TimeSpan.FromMilliseconds(50), default)).Should().BeFalse();
        var next = signal.WaitAsync(TimeSpan.FromSeconds(30), default);
        signal.Set();
        (await next).Should().BeTrue("a finished timeout must not leak into the next wait");
    }

    [Fact]
    public async Task Cancellation_ends_the_wait_with_an_OperationCanceledException()
    {
        using var signal = new DeliverySignal(TimeProvider.System);
        using var cancellation = new CancellationTokenSource();

        var wait = signal.WaitAsync(TimeSpan.FromSeconds(30), cancellation.Token);
        await cancellation.CancelAsync();

        var act = async () => await wait;
        await act.Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public void A_set_with_no_wait_is_ignored()
    {
        using var signal = new DeliverySignal(TimeProvider.System);

        signal.Set();

        signal.WaitAsync(TimeSpan.FromSeconds(30), default).IsCompleted.Should().BeFalse();
        signal.Set();
    }
}
