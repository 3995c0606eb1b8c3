using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;

namespace SseFunctions.Benchmarks.Load;

/// <summary>
/// A token's text is the <see cref="Stopwatch"/> timestamp of its publication: the same clock reads it back at receipt
/// (publisher and SSE clients share this process), so publish-to-receipt needs no clock synchronisation.
/// </summary>
public static class TokenStamp
{
    public static string Now() => Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture);

    public static bool TryRead(ReadOnlySpan<byte> text, out long timestamp) =>
        Utf8Parser.TryParse(text, out timestamp, out var consumed) && consumed == text.Length;

    public static double ToMilliseconds(long elapsedTicks) => elapsedTicks * 1000.0 / Stopwatch.Frequency;
}
