namespace SseFunctions.Benchmarks.Probes;

/// <summary>What one pattern did with one backlog: messages per second, CPU per message of the receiving process and
/// of the broker, and how often a receive returned fewer messages than asked (each of which the SDK answers with a
/// link drain on a session receiver).</summary>
public sealed record ReceiveProbeResult(
    ReceivePattern Pattern,
    int Sessions,
    long Messages,
    double Seconds,
    double MessagesPerSecond,
    double ClientCpuMicrosecondsPerMessage,
    double BrokerCpuMicrosecondsPerMessage,
    long Receives,
    long ShortReceives,
    double OtherProcessesCpuSeconds);
