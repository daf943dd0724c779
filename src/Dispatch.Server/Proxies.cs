using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Dispatch.Server;

/// <summary>
/// Behind a reverse proxy (nginx in deploy/cluster and compose, an ingress in Kubernetes) every request comes from the
/// proxy's address: the rate limits per address (sign-in, anonymous API) would then count every client as one, and a
/// TLS-terminating proxy would make the cookies' SameAsRequest policy drop Secure. <c>X-Forwarded-For</c> and
/// <c>X-Forwarded-Proto</c> are taken from trusted proxies only: loopback always, plus <c>Dispatch:Proxies:Networks</c>
/// (CIDR, e.g. <c>10.0.0.0/8</c> for a pod network) and <c>Dispatch:Proxies:Addresses</c> — a list, or one string split on
/// commas or spaces. Anyone else's forwarded headers are ignored, so a client cannot choose its own address.
/// </summary>
public static class Proxies
{
    public const string NetworksKey = "Dispatch:Proxies:Networks", AddressesKey = "Dispatch:Proxies:Addresses";

    public static WebApplicationBuilder AddProxies(this WebApplicationBuilder builder)
    {
        var networks = Values(builder.Configuration, NetworksKey)
            .Select(n => System.Net.IPNetwork.TryParse(n, out var network) ? network
                : throw new InvalidOperationException($"{NetworksKey}: '{n}' is not a network in CIDR form (e.g. 10.0.0.0/8)."))
            .ToList();
        var addresses = Values(builder.Configuration, AddressesKey)
            .Select(a => IPAddress.TryParse(a, out var address) ? address
                : throw new InvalidOperationException($"{AddressesKey}: '{a}' is not an IP address."))
            .ToList();
        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // The defaults already trust 127.0.0.0/8 and ::1 (the loopback nginx of deploy/cluster).
            foreach (var network in networks) o.KnownIPNetworks.Add(network);
            foreach (var address in addresses) o.KnownProxies.Add(address);
        });
        return builder;
    }

    static IEnumerable<string> Values(IConfiguration configuration, string key)
    {
        var section = configuration.GetSection(key);
        return section.Value is { } one
            ? one.Split([',', ' ', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : section.GetChildren().Select(c => c.Value ?? "").Where(v => v.Length > 0);
    }
}
