using System.Collections.Frozen;
using System.Text;

namespace LatticeLock.Grains.Abstractions.Validation;

/// <summary>Enum values as they appear in JSON and in PostgreSQL: snake_case (<c>NotRun</c> ⇄ <c>not_run</c>).</summary>
public static class WireNames
{
    public static string Of<T>(T value) where T : struct, Enum =>
        Names<T>.ByValue.TryGetValue(value, out var name) ? name : Convert(value.ToString());

    public static bool TryParse<T>(string? text, out T value) where T : struct, Enum
    {
        if (text is not null && Names<T>.ByName.TryGetValue(text, out value)) return true;
        value = default;
        return false;
    }

    public static T Parse<T>(string text) where T : struct, Enum =>
        TryParse<T>(text, out var value) ? value : throw new FormatException($"'{text}' is not a known {typeof(T).Name}");

    /// <summary>Every wire name of <typeparamref name="T"/>, in declaration order.</summary>
    public static IReadOnlyList<string> All<T>() where T : struct, Enum => Names<T>.InOrder;

    private static string Convert(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0) sb.Append('_');
            sb.Append(char.ToLowerInvariant(name[i]));
        }
        return sb.ToString();
    }

    // Computed once per enum: the names are written for every stored model request.
    private static class Names<T> where T : struct, Enum
    {
        public static readonly IReadOnlyList<string> InOrder = [.. Enum.GetValues<T>().Select(v => Convert(v.ToString()))];
        public static readonly FrozenDictionary<T, string> ByValue = Enum.GetValues<T>().Distinct().ToFrozenDictionary(v => v, v => Convert(v.ToString()));
        public static readonly FrozenDictionary<string, T> ByName = Enum.GetValues<T>().Distinct().ToFrozenDictionary(v => Convert(v.ToString()), v => v, StringComparer.Ordinal);
    }
}
