using System.Security.Cryptography;

namespace LatticeLock.Storage.Secrets;

/// <summary>
/// AES-256-GCM as stored: a fresh 12-byte nonce, the ciphertext and the 16-byte tag, in one value. The associated data
/// binds a sealed value to where it belongs (its workspace, its name), so a sealed value copied to another row does not open.
/// </summary>
internal static class Sealing
{
    private const int NonceBytes = 12, TagBytes = 16;

    public static byte[] Seal(byte[] key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associated)
    {
        var sealedValue = new byte[NonceBytes + plaintext.Length + TagBytes];
        var nonce = sealedValue.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagBytes);
        aes.Encrypt(nonce, plaintext, sealedValue.AsSpan(NonceBytes, plaintext.Length), sealedValue.AsSpan(NonceBytes + plaintext.Length), associated);
        return sealedValue;
    }

    /// <summary>The plaintext; <see cref="CryptographicException"/> when the key is wrong or the value was altered.</summary>
    public static byte[] Open(byte[] key, ReadOnlySpan<byte> sealedValue, ReadOnlySpan<byte> associated)
    {
        if (sealedValue.Length < NonceBytes + TagBytes) throw new CryptographicException("the sealed value is too short");
        var length = sealedValue.Length - NonceBytes - TagBytes;
        var plaintext = new byte[length];
        using var aes = new AesGcm(key, TagBytes);
        aes.Decrypt(sealedValue[..NonceBytes], sealedValue.Slice(NonceBytes, length), sealedValue[(NonceBytes + length)..], plaintext, associated);
        return plaintext;
    }
}
