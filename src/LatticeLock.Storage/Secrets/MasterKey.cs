using System.Security.Cryptography;
using System.Text;

namespace LatticeLock.Storage.Secrets;

/// <summary>
/// The key that seals every workspace's data key: 32 bytes, given base64-encoded in <c>LatticeLock:Secrets:MasterKey</c>
/// or in the file <c>LatticeLock:Secrets:MasterKeyFile</c> names. Never stored in the database; its <see cref="Id"/>
/// (a digest, not the key) is stored with each data key it sealed, so a silo given another key refuses to start.
/// </summary>
public sealed class MasterKey
{
    public const string Setting = "LatticeLock__Secrets__MasterKey";
    public const string FileSetting = "LatticeLock__Secrets__MasterKeyFile";
    public const int Bytes = 32;

    private MasterKey(byte[] key)
    {
        Key = key;
        Id = Convert.ToHexStringLower(SHA256.HashData([.. "latticelock master key id\n"u8, .. key]))[..16];
    }

    internal byte[] Key { get; }

    /// <summary>A digest that names the key without revealing it (16 hex characters).</summary>
    public string Id { get; }

    /// <summary>A new random key, base64-encoded (what <c>lattice secrets new-key</c> prints).</summary>
    public static string NewBase64() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(Bytes));

    /// <summary>
    /// The key the settings give, or null when neither is set; a key that is not 32 bytes of base64, or both settings at
    /// once, or an unreadable file fails naming the setting.
    /// </summary>
    public static MasterKey? FromSettings(string? base64, string? file)
    {
        if (!string.IsNullOrWhiteSpace(base64) && !string.IsNullOrWhiteSpace(file))
            throw new InvalidOperationException($"{Setting} and {FileSetting} are both set; set one");
        if (!string.IsNullOrWhiteSpace(file))
        {
            string text;
            try
            {
                text = File.ReadAllText(file, Encoding.ASCII);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new InvalidOperationException($"{FileSetting}: cannot read '{file}': {e.Message}");
            }
            return Parse(text, FileSetting);
        }
        return string.IsNullOrWhiteSpace(base64) ? null : Parse(base64, Setting);
    }

    private static MasterKey Parse(string base64, string setting)
    {
        var bytes = new byte[Bytes + 1];
        if (!Convert.TryFromBase64String(base64.Trim(), bytes, out var written) || written != Bytes)
            throw new InvalidOperationException($"{setting}: must be {Bytes} random bytes, base64-encoded (44 characters; `lattice secrets new-key` makes one)");
        return new MasterKey(bytes[..Bytes]);
    }
}
