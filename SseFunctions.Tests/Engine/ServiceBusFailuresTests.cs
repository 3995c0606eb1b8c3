using Azure.Messaging.ServiceBus;
using SseFunctions.Streaming.ServiceBus;

namespace SseFunctions.Tests.Engine;

public class ServiceBusFailuresTests
{
    [Theory]
    [InlineData(ServiceBusFailureReason.ServiceCommunicationProblem, true)]
    [InlineData(ServiceBusFailureReason.ServiceTimeout, true)]
    [InlineData(ServiceBusFailureReason.SessionLockLost, true)]
    [InlineData(ServiceBusFailureReason.SessionCannotBeLocked, true)]
    [InlineData(ServiceBusFailureReason.MessagingEntityNotFound, false)]
    [InlineData(ServiceBusFailureReason.QuotaExceeded, true)]
    [InlineData(ServiceBusFailureReason.MessageSizeExceeded, false)]
    public void A_lost_lock_a_transient_failure_or_a_full_connection_is_recovered_a_missing_entity_is_not(ServiceBusFailureReason reason, bool recoverable) =>
        ServiceBusFailures.IsRecoverable(new ServiceBusException("x", reason)).Should().Be(recoverable);

    [Fact]
    public void A_receiver_the_SDK_closed_and_an_aborted_link_are_recovered_bad_credentials_are_not()
    {
        ServiceBusFailures.IsRecoverable(new ObjectDisposedException("ServiceBusSessionReceiver")).Should().BeTrue();
        ServiceBusFailures.IsRecoverable(new OperationCanceledException()).Should().BeTrue();
        ServiceBusFailures.IsRecoverable(new UnauthorizedAccessException("no")).Should().BeFalse();
    }

    [Fact]
    public void A_closed_receiver_is_named_a_lost_lock()
    {
        ServiceBusFailures.AsSessionLoss(null, null).Reason.Should().Be(ServiceBusFailureReason.SessionLockLost);
        ServiceBusFailures.AsSessionLoss(new ObjectDisposedException("r"), null).Reason.Should().Be(ServiceBusFailureReason.SessionLockLost);
        ServiceBusFailures.AsSessionLoss(new TimeoutException("slow"), null).Reason.Should().Be(ServiceBusFailureReason.ServiceCommunicationProblem);
    }

    [Fact]
    public void A_client_sees_the_reason_never_the_message()
    {
        ServiceBusFailures.Describe(new UnauthorizedAccessException("SharedAccessKey=secret rejected")).Should().Be("Unauthorized");
        ServiceBusFailures.Describe(new ServiceBusException("at sb://host", ServiceBusFailureReason.ServiceTimeout)).Should().Be("ServiceTimeout");
        ServiceBusFailures.Describe(new InvalidOperationException("boom")).Should().Be("GeneralError");
    }
}
