namespace SseFunctions.Benchmarks.Probes;

/// <summary>What one pattern did with one backlog: messages per second, CPU per message of the receiving process and
/// of the broker, what the receiving process allocated per message (the SDK's share: the probe itself allocates a list
/// entry per settlement), and how often a receive returned fewer messages than asked (each of which the SDK answers with a
/// link drain on a session receiver).</summary>
public sealed record ReceiveProbeResult(
    ReceivePattern Pattern,
    int Sessions,
    long Messages,
    double Seconds,
    double MessagesPerSecond,
    double ClientCpuMicrosecondsPerMessage,
    double BrokerCpuMicrosecondsPerMessage,
    double ClientKilobytesAllocatedPerMessage,
    long Receives,
    long ShortReceives,
    double OtherProcessesCpuSeconds);
