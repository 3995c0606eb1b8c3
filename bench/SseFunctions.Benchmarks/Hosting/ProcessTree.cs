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

    /// <summary>When the process started; null when it has gone.</summary>
    public static DateTime? StartTime(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return process.StartTime;
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Kills the process if it is still the one that started at <paramref name="started"/> (ids are reused).</summary>
    public static void KillIfSame(int processId, DateTime started)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            if (process.StartTime == started)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Gone already.
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
