using System.Diagnostics;
using System.Globalization;

namespace SseFunctions.Benchmarks.Hosting;

/// <summary>
/// A process and the processes it started (the Functions host and its worker), read from Linux's <c>/proc</c>: their
/// ids now, and each one's CPU time and working set. Elsewhere only the root process is seen.
/// </summary>
public static class ProcessTree
{
    /// <summary>The root and every descendant, root first.</summary>
    public static IReadOnlyList<int> Members(int rootId)
    {
        var members = new List<int> { rootId };
        for (var i = 0; i < members.Count; i++)
        {
            members.AddRange(ChildrenOf(members[i]));
        }

        return members;
    }

    /// <summary>The usage of one process; zero when it has gone.</summary>
    public static ProcessUsage Read(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return new ProcessUsage(process.TotalProcessorTime, process.WorkingSet64);
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException)
        {
            return default;
        }
    }

    private static IEnumerable<int> ChildrenOf(int processId)
    {
        var tasks = $"/proc/{processId.ToString(CultureInfo.InvariantCulture)}/task";
        if (!Directory.Exists(tasks))
        {
            return [];
        }

        var children = new List<int>();
        try
        {
            foreach (var task in Directory.EnumerateDirectories(tasks))
            {
                var path = Path.Combine(task, "children");
                if (!File.Exists(path))
                {
                    continue;
                }

                foreach (var id in File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                {
                    children.Add(int.Parse(id, NumberStyles.None, CultureInfo.InvariantCulture));
                }
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // The process exited while being read: it has no children any more.
        }

        return children.Distinct();
    }
}
