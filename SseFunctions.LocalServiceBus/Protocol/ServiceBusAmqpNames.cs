using Amqp.Types;

namespace SseFunctions.LocalServiceBus.Protocol;

/// <summary>Names of the Service Bus AMQP dialect: annotations, filters, link properties.</summary>
public static class ServiceBusAmqpNames
{
    public static readonly Symbol SequenceNumber = "x-opt-sequence-number";
    public static readonly Symbol EnqueuedTime = "x-opt-enqueued-time";
    public static readonly Symbol LockedUntil = "x-opt-locked-until";
    public static readonly Symbol SessionFilter = "com.microsoft:session-filter";
    public static readonly Symbol LockedUntilUtc = "com.microsoft:locked-until-utc";
    public static readonly Symbol LinkTimeout = "com.microsoft:timeout";
    public static readonly Symbol SasTokenType = "servicebus.windows.net:sastoken";
    public const string DeadLetterReason = "DeadLetterReason";
    public const string DeadLetterErrorDescription = "DeadLetterErrorDescription";
    public const string CbsAddress = "$cbs";
    public const string ManagementSuffix = "/$management";
    public const string DeadLetterQueueSuffix = "/$DeadLetterQueue";
    public const string SubscriptionsSegment = "/Subscriptions/";
}
