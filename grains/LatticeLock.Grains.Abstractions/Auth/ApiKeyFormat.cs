using System.Security.Cryptography;
using System.Text;

namespace LatticeLock.Grains.Abstractions.Auth;

/// <summary>
/// Keys look like <c>ll_&lt;prefix&gt;_&lt;secret&gt;</c>: a 12-character lookup prefix (60 random bits) and a
/// 43-character secret (256 random bits). Only the SHA-256 of the whole key is ever stored.
/// </summary>
public static class ApiKeyFormat
{
    private const string PrefixAlphabet = "abcdefghijklmnopqrstuvwxyz234567";
    public const int PrefixLength = 12;

    public static (string Key, string Prefix) Generate()
    {
        Span<byte> prefixBytes = stackalloc byte[PrefixLength];
        RandomNumberGenerator.Fill(prefixBytes);
        var prefix = new StringBuilder(PrefixLength);
        foreach (var b in prefixBytes) prefix.Append(PrefixAlphabet[b & 31]);
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return ($"ll_{prefix}_{secret}", prefix.ToString());
    }

    /// <summary>The lookup prefix of a well-formed key, or null.</summary>
    public static string? PrefixOf(string? key)
    {
        if (key is null || key.Length != 3 + PrefixLength + 1 + 43 || !key.StartsWith("ll_", StringComparison.Ordinal) || key[3 + PrefixLength] != '_')
            return null;
        var prefix = key.Substring(3, PrefixLength);
        return prefix.All(PrefixAlphabet.Contains) ? prefix : null;
    }

    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>What lists and logs show of a key: never the secret.</summary>
    public static string Display(string prefix) => $"ll_{prefix}";
}
