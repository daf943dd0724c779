using System.Security.Cryptography;
using System.Text;

namespace Dispatch.Server.Sensors;

/// <summary>
/// A device's key as the store keeps it: only the SHA-256 of the key, never the key (shown once, in the answer to the
/// registration or the rotation). One document per device; a rotation replaces it, so the old key stops at once.
/// </summary>
public sealed class DeviceKey
{
    public Guid Id { get; set; }
    public string Hash { get; set; } = "";
    public DateTimeOffset IssuedAt { get; set; }
}

/// <summary>
/// Device keys: <c>dk_</c>, the device id (32 hex digits: which device the key claims to be, readable without a look-up)
/// and 32 random bytes (base64url). Sent as <c>Authorization: Device &lt;key&gt;</c>. Compared by hash in constant time.
/// </summary>
public static class DeviceKeys
{
    public const string Scheme = "Device";
    const string Prefix = "dk_";
    const int SecretBytes = 32;
    /// <summary>dk_ + 32 hex + _ + 43 base64url characters.</summary>
    public const int Length = 3 + 32 + 1 + 43;

    /// <summary>A new key for the device, and the document that keeps its hash.</summary>
    public static (string Key, DeviceKey Stored) Issue(Guid deviceId, DateTimeOffset now)
    {
        var secret = Microsoft.AspNetCore.WebUtilities.Base64UrlTextEncoder.Encode(RandomNumberGenerator.GetBytes(SecretBytes));
        var key = $"{Prefix}{deviceId:N}_{secret}";
        return (key, new DeviceKey { Id = deviceId, Hash = Convert.ToHexString(Hash(key)), IssuedAt = now });
    }

    static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>The device a key claims to be, if it is shaped like a key at all.</summary>
    public static Guid? DeviceOf(string? key) =>
        key is { Length: Length } && key.StartsWith(Prefix, StringComparison.Ordinal) && key[Prefix.Length + 32] == '_'
        && Guid.TryParseExact(key.AsSpan(Prefix.Length, 32), "N", out var id)
            ? id
            : null;

    /// <summary>Whether <paramref name="key"/> is the one whose hash is stored (constant time in the key's bytes).</summary>
    public static bool Matches(string key, DeviceKey stored)
    {
        byte[] expected;
        try { expected = Convert.FromHexString(stored.Hash); }
        catch (FormatException) { return false; }
        return expected.Length == 32 && CryptographicOperations.FixedTimeEquals(Hash(key), expected);
    }

    /// <summary>The key a request presents (<c>Authorization: Device &lt;key&gt;</c>), or null when it presents none.</summary>
    public static string? Presented(HttpRequest request)
    {
        foreach (var value in request.Headers.Authorization)
            if (value is { } v && v.StartsWith(Scheme + " ", StringComparison.OrdinalIgnoreCase))
                return v[(Scheme.Length + 1)..].Trim();
        return null;
    }
}
