using System.Globalization;

namespace SseFunctions.Benchmarks.Probes;

/// <summary><c>--receive-probe [--workloads 1x5000,100x200] [--repeat 3] [--patterns 0,3,5]</c>: the SDK's receive
/// path driven directly against LocalServiceBus, one backlog per workload (sessions × messages each).</summary>
public sealed record ReceiveProbeOptions(IReadOnlyList<(int Sessions, int MessagesPerSession)> Workloads, int Repeat, IReadOnlyList<ReceivePattern> Patterns)
{
    public const string Switch = "--receive-probe";

    public static bool IsRequested(IReadOnlyList<string> args) => args.Contains(Switch);

    public static bool TryParse(IReadOnlyList<string> args, out ReceiveProbeOptions options, out string? problem)
    {
        options = new ReceiveProbeOptions([(1, 5_000), (100, 200)], 1, ReceivePattern.Defaults);
        problem = null;
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == Switch)
            {
                continue;
            }

            if (i + 1 >= args.Count)
            {
                problem = $"{args[i]} needs a value.";
                return false;
            }

            var value = args[++i];
            switch (args[i - 1])
            {
                case "--workloads":
                    var workloads = new List<(int, int)>();
                    foreach (var item in value.Split(',', StringSplitOptions.RemoveEmptyEntries))
                    {
                        var parts = item.Split('x');
                        if (parts.Length != 2 || !Positive(parts[0], out var sessions) || !Positive(parts[1], out var messages))
                        {
                            problem = $"--workloads takes SESSIONSxMESSAGES items, not '{item}'.";
                            return false;
                        }

                        workloads.Add((sessions, messages));
                    }

                    options = options with { Workloads = workloads };
                    break;
                case "--repeat":
                    if (!Positive(value, out var repeat))
                    {
                        problem = "--repeat takes a positive whole number.";
                        return false;
                    }

                    options = options with { Repeat = repeat };
                    break;
                case "--patterns":
                    var chosen = new List<ReceivePattern>();
                    foreach (var item in value.Split(',', StringSplitOptions.RemoveEmptyEntries))
                    {
                        if (!int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index >= ReceivePattern.Defaults.Count)
                        {
                            problem = $"--patterns takes indexes 0..{ReceivePattern.Defaults.Count - 1}, not '{item}'.";
                            return false;
                        }

                        chosen.Add(ReceivePattern.Defaults[index]);
                    }

                    options = options with { Patterns = chosen };
                    break;
                default:
                    problem = $"unknown receive-probe option '{args[i - 1]}'.";
                    return false;
            }
        }

        return true;
    }

    private static bool Positive(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0;
}
