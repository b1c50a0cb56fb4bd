using System.CommandLine;

namespace LatticeLock.Cli;

/// <summary>
/// Names a word the CLI does not know, where it stood, and the nearest command it does know
/// (<c>lattice frobnicate</c> → "unknown command 'frobnicate' for 'lattice'; commands: …").
/// </summary>
public static class UnknownCommand
{
    /// <summary>The message for the first unknown word, or null when the parse failed for another reason.</summary>
    public static string? Describe(ParseResult parsed)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        var command = parsed.CommandResult.Command;
        var word = parsed.UnmatchedTokens.FirstOrDefault(t => !t.StartsWith('-'));
        if (word is null || command.Subcommands.Count == 0) return null;
        var names = command.Subcommands.Select(c => c.Name).ToList();
        var nearest = names.Select(n => (Name: n, Distance: Distance(word, n))).OrderBy(n => n.Distance).First();
        var where = command is RootCommand ? "lattice" : $"lattice {Path(parsed)}";
        return nearest.Distance <= Math.Max(2, word.Length / 3)
            ? $"unknown command '{word}' for '{where}'; did you mean '{nearest.Name}'?"
            : $"unknown command '{word}' for '{where}'; commands: {string.Join(", ", names)}";
    }

    private static string Path(ParseResult parsed)
    {
        var path = new List<string>();
        for (var r = parsed.CommandResult; r.Parent is System.CommandLine.Parsing.CommandResult parent; r = parent) path.Insert(0, r.Command.Name);
        return string.Join(' ', path);
    }

    /// <summary>Edit distance (insertions, deletions, substitutions), two rows at a time.</summary>
    public static int Distance(string a, string b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
