using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Dispatch.Server.Telemetry;

/// <summary>
/// Who may read <c>/metrics</c> (<c>Dispatch:Metrics</c>): it is not public. Allowed are a request that presents the
/// bearer token <c>Dispatch:Metrics:Token</c> (when one is set), and — without a token presented — a direct connection from
/// loopback or from one of <c>Dispatch:Metrics:AllowedNetworks</c> (CIDR). A request that came through a proxy (it carries
/// <c>X-Forwarded-For</c>, <c>Forwarded</c>, <c>X-Real-IP</c>) is not direct: behind nginx on the same machine every
/// request would look like loopback, so such a request needs the token. A wrong token is refused from anywhere.
/// </summary>
public sealed class MetricsAccess
{
    public const string Section = "Dispatch:Metrics";

    static readonly string[] ProxyHeaders = ["X-Forwarded-For", "Forwarded", "X-Real-IP", "X-Original-For"];

    readonly IReadOnlyList<IPNetwork> _networks;
    readonly byte[]? _token;

    public MetricsAccess(IReadOnlyList<IPNetwork> networks, string? token)
    {
        _networks = networks;
        _token = string.IsNullOrEmpty(token) ? null : Encoding.UTF8.GetBytes(token);
    }

    /// <summary>The settings; a network that is not CIDR stops the server at start-up, naming the key.</summary>
    public static MetricsAccess From(IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        // A list (AllowedNetworks:0, :1…) or one comma-separated value (handy in an environment variable).
        var written = section.GetSection("AllowedNetworks").Get<string[]>()
            ?? section["AllowedNetworks"]?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        var networks = new List<IPNetwork>();
        foreach (var cidr in written.Select(w => w.Trim()).Where(w => w.Length > 0))
        {
            if (!IPNetwork.TryParse(cidr, out var network))
                throw new InvalidOperationException($"{Section}:AllowedNetworks must be networks in CIDR notation (10.0.0.0/8, fd00::/8); '{cidr}' is not one.");
            networks.Add(network);
        }
        return new MetricsAccess(networks, section["Token"]);
    }

    public bool Allows(HttpContext http) =>
        Allows(http.Connection.RemoteIpAddress, ProxyHeaders.Any(h => http.Request.Headers.ContainsKey(h)), http.Request.Headers.Authorization.ToString());

    /// <summary>The rule itself: <paramref name="authorization"/> is the Authorization header as sent ("" when none).</summary>
    public bool Allows(IPAddress? remote, bool proxied, string authorization)
    {
        if (authorization.Length > 0)
            return _token is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(authorization["Bearer ".Length..].Trim()), _token);
        if (proxied || remote is null) return false;
        if (remote.IsIPv4MappedToIPv6) remote = remote.MapToIPv4();
        return IPAddress.IsLoopback(remote) || _networks.Any(n => n.Contains(remote));
    }
}
