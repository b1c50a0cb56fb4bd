using System.Globalization;

namespace LatticeLock.Benchmarks;

/// <summary>Reads a benchmark's <c>--name N</c> options.</summary>
public static class BenchmarkArgs
{
    /// <summary>The positive whole number after <paramref name="name"/>, or <paramref name="fallback"/> when it is absent or not one.</summary>
    public static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;
    }
}
