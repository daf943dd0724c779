using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Dispatch.Domain.Access;
using Dispatch.Server.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Tests.Infrastructure;
using Marten;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Dispatch.Server.Tests.BadInput;

/// <summary>
/// The public routes outside /api — Open311 GeoReport v2 (<c>/open311/v2/…</c>) and the citizen's <c>/status</c> and
/// <c>/rate</c> pages — enumerated from the app's routes like <see cref="HostileInputTests"/> does for /api: hostile path
/// values, query strings and bodies (form and JSON, with a good client key and without) are never a 5xx, every Open311
/// error is the specification's error array naming its field, and nothing is written but what a 200 reports (an intake
/// of three events each) and the audit lines of refused keys and tokens.
/// </summary>
public sealed partial class Open311HostileInputTests(DispatchApp app, ITestOutputHelper output) : IClassFixture<DispatchApp>
{
    static readonly string[] Roots = ["/open311", "/status", "/rate"];

    static readonly string[] FormFields =
    [
        "service_code", "lat", "long", "address_string", "address_id", "email", "device_id", "account_id", "first_name", "last_name",
        "phone", "description", "media_url", "jurisdiction_id", "attribute[x]", "attribute", "api_key",
    ];

    /// <summary>Percent-encoded values a careless or hostile client sends (decoded by the server's form and query readers).</summary>
    static readonly string[] Values =
    [
        .. HostileCorpus.QueryValues(typeof(int)), "NaN", "Infinity", "-91", "181", "0x10", "1,5", "%E2%80%AE", "a%0Ab",
        "javascript:alert(1)", "http://", "%3Cscript%3E", "road-damage%00", "open,closed,x", ",,,", "2026-13-01", "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z", "2026-01-01T00:00:00", "2026-01-01T25:00:00Z",
    ];

    [GeneratedRegex("/status/([A-Za-z0-9_-]{43})")]
    private static partial Regex StatusLink();

    [Fact]
    public async Task Hostile_input_to_every_open311_and_citizen_route_is_a_4xx_in_the_right_format_and_writes_nothing_refused()
    {
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && Roots.Any(r => raw.StartsWith(r, StringComparison.Ordinal))
                        && e.Metadata.GetMetadata<IHttpMethodMetadata>() is { HttpMethods.Count: > 0 })
            .ToList();
        Assert.True(endpoints.Count >= 8, $"only {endpoints.Count} Open311 and citizen routes found");

        // What exists: a client key, a filed request (its number and status link) and a category.
        var city = app.Services.GetRequiredService<JurisdictionTree>().City.Path;
        using var admin = app.Client("hostile-o311-admin", "en", new Grant(Role.Admin, city));
        using var issued = await admin.PostAsJsonAsync("/api/open311/clients", new { name = "hostile suite" });
        var key = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
        using var client = app.Anonymous();
        using var filed = await client.PostAsync("/open311/v2/requests.json", new FormUrlEncodedContent(Valid(key)));
        var answer = (await filed.Content.ReadFromJsonAsync<JsonElement>())[0];
        var number = answer.GetProperty("service_request_id").GetString()!;
        var token = StatusLink().Match(answer.GetProperty("service_notice").GetString()!).Groups[1].Value;

        var requests = new List<(string Label, Func<HttpRequestMessage> Make)>();
        foreach (var endpoint in endpoints)
        foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()!.HttpMethods)
        foreach (var (path, existing) in Paths(endpoint.RoutePattern.RawText!, number, token))
        {
            if (method == "GET")
            {
                requests.Add(($"GET {path}", () => new HttpRequestMessage(HttpMethod.Get, path)));
                // The whole query corpus on what exists; the rest of the paths bare.
                if (!existing) continue;
                foreach (var name in new[] { "jurisdiction_id", "service_request_id", "service_code", "start_date", "end_date", "status", "api_key", "junk" })
                foreach (var value in Values)
                    requests.Add(($"GET {Short(path)}?{name}={Short(value)}", () => new HttpRequestMessage(HttpMethod.Get, $"{path}?{name}={value}")));
                requests.Add(($"GET {Short(path)} repeated", () => new HttpRequestMessage(HttpMethod.Get, $"{path}?status=open&status=closed")));
                continue;
            }
            if (!existing)
            {
                requests.Add(($"POST {Short(path)}", () => new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(Valid(key)) }));
                continue;
            }
            var form = path.StartsWith("/rate", StringComparison.Ordinal) ? RatingForms() : RequestForms(key);
            foreach (var (label, body) in form)
                requests.Add(($"POST {Short(path)} [{label}]", () => new HttpRequestMessage(HttpMethod.Post, path) { Content = body() }));
            // Whole bodies wrong as a whole, with the key in the query (where the body cannot carry it) and without any key.
            var whole = HostileCorpus.Bodies([]).Take(HostileCorpus.WholeBodies).Count();
            for (var i = 0; i < whole; i++)
            {
                var index = i;
                var label = HostileCorpus.Bodies([]).ElementAt(i).Label;
                requests.Add(($"POST {Short(path)}?api_key [{label}]", () => new HttpRequestMessage(HttpMethod.Post, $"{path}?api_key={Uri.EscapeDataString(key)}")
                    { Content = HostileCorpus.Bodies([]).ElementAt(index).Content }));
                requests.Add(($"POST {Short(path)} [{label}]", () => new HttpRequestMessage(HttpMethod.Post, path) { Content = HostileCorpus.Bodies([]).ElementAt(index).Content }));
            }
        }

        var errors = app.ServerErrors.All.ToList();
        var before = await Written.Count(app);
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var statuses = new System.Collections.Concurrent.ConcurrentDictionary<int, int>();
        var filedAgain = 0;
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (r, ct) =>
        {
            using var request = r.Make();
            var open311 = request.RequestUri!.OriginalString.StartsWith("/open311", StringComparison.Ordinal);
            using var response = await client.SendAsync(request, ct);
            var status = (int)response.StatusCode;
            statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            var body = await response.Content.ReadAsStringAsync(ct);
            if (status >= 500) failures.Enqueue($"{status} {r.Label}: {Short(body, 300)}");
            // Kestrel's own answers, before the app: a URI or headers too long.
            else if (status is 414 or 431) { }
            else if (status == 200 && request.Method == HttpMethod.Post && open311) Interlocked.Increment(ref filedAgain);
            else if (status >= 400 && open311 && SpecError(response, body, status) is { } wrong) failures.Enqueue($"{status} {r.Label}: {wrong}");
            else if (status == 400 && !open311 && (response.Content.Headers.ContentType?.MediaType != "application/problem+json" || !body.Contains("\"errors\"")))
                failures.Enqueue($"400 not a problem naming a field {r.Label}: {Short(body, 200)}");
        });
        var after = await Written.Count(app);

        output.WriteLine($"{endpoints.Count} routes, {requests.Count} requests, {filedAgain} filed; answers " +
                         string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")));
        Assert.True(failures.IsEmpty, $"{failures.Count} bad answers:\n" + string.Join("\n", failures.OrderByDescending(f => f[..3]).Take(30)));
        // A request that was filed writes its intake (three events); nothing refused writes an event.
        Assert.Equal(before.Events + 3 * filedAgain, after.Events);
        Assert.Equal(before.Documents.GetValueOrDefault("mt_doc_open311case") + filedAgain, after.Documents.GetValueOrDefault("mt_doc_open311case"));
        Assert.Equal(before.Documents.GetValueOrDefault("mt_doc_open311client"), after.Documents.GetValueOrDefault("mt_doc_open311client"));
        Assert.Empty(app.ServerErrors.All.Skip(errors.Count));
        await using var query = app.Documents().QuerySession();
        Assert.False((await query.Query<IncidentCard>().SingleAsync(c => c.Number == number)).State != Dispatch.Domain.Incidents.IncidentState.Reported);
    }

    /// <summary>Null when the body is the specification's error answer (JSON array or XML errors) naming something; else why not.</summary>
    static string? SpecError(HttpResponseMessage response, string body, int status)
    {
        var type = response.Content.Headers.ContentType?.MediaType;
        try
        {
            if (type == "application/json")
            {
                var errors = JsonDocument.Parse(body).RootElement;
                if (errors.ValueKind != JsonValueKind.Array || errors.GetArrayLength() == 0) return "not an array of errors: " + Short(body, 200);
                foreach (var e in errors.EnumerateArray())
                    if (e.GetProperty("code").GetInt32() != status || string.IsNullOrWhiteSpace(e.GetProperty("description").GetString()))
                        return "an error without its code or description: " + Short(body, 200);
                return null;
            }
            if (type == "text/xml")
            {
                var root = XDocument.Parse(body).Root!;
                return root.Name.LocalName == "errors" && root.Elements("error").Any() &&
                       root.Elements("error").All(e => e.Element("code")?.Value == status.ToString() && !string.IsNullOrWhiteSpace(e.Element("description")?.Value))
                    ? null
                    : "not <errors><error><code/><description/>: " + Short(body, 200);
            }
            return $"content type {type}: {Short(body, 200)}";
        }
        catch (Exception e) when (e is JsonException or System.Xml.XmlException or KeyNotFoundException or InvalidOperationException)
        {
            return $"{e.GetType().Name}: {Short(body, 200)}";
        }
    }

    static Dictionary<string, string> Valid(string key) => new()
    {
        ["api_key"] = key, ["service_code"] = "road-damage", ["lat"] = "31.2304", ["long"] = "121.4737",
        ["description"] = "井盖缺失", ["address_string"] = "东湖区人民路 128 号",
    };

    /// <summary>A valid form with one field made hostile (raw percent-encoding), or repeated, or the key missing or wrong.</summary>
    static IEnumerable<(string Label, Func<HttpContent> Body)> RequestForms(string key)
    {
        foreach (var field in FormFields)
        foreach (var value in Values.Append(new string('x', 20_000)))
        {
            var fields = Valid(key);
            fields.Remove(field);
            var raw = string.Join("&", fields.Select(f => $"{Uri.EscapeDataString(f.Key)}={Uri.EscapeDataString(f.Value)}")) + $"&{Uri.EscapeDataString(field)}={value}";
            yield return ($"{field}={Short(value)}", () => new StringContent(raw, Encoding.UTF8, "application/x-www-form-urlencoded"));
        }
        foreach (var field in FormFields.Take(4))
        {
            var raw = string.Join("&", Valid(key).Select(f => $"{f.Key}={Uri.EscapeDataString(f.Value)}")) + $"&{field}=a";
            yield return ($"{field} twice", () => new StringContent(raw, Encoding.UTF8, "application/x-www-form-urlencoded"));
        }
        var noKey = Valid(key);
        noKey.Remove("api_key");
        yield return ("no key", () => new FormUrlEncodedContent(noKey));
        yield return ("wrong key", () => new FormUrlEncodedContent(Valid("o311.c0123456789ab.nope")));
        yield return ("JSON with nested values", () => new StringContent("{\"api_key\":\"" + key + "\",\"service_code\":{\"a\":1},\"lat\":[1]}", Encoding.UTF8, "application/json"));
        yield return ("JSON with a huge number", () => new StringContent("{\"api_key\":\"" + key + "\",\"service_code\":\"road-damage\",\"lat\":1e309,\"long\":1}", Encoding.UTF8, "application/json"));
        yield return ("JSON attribute object", () => new StringContent("{\"api_key\":\"" + key + "\",\"service_code\":\"road-damage\",\"address_string\":\"x\",\"attribute\":{\"a\":[1]}}", Encoding.UTF8, "application/json"));
    }

    static IEnumerable<(string Label, Func<HttpContent> Body)> RatingForms()
    {
        foreach (var value in Values.Concat(["0", "6", "5", ""]))
        {
            yield return ($"satisfaction={Short(value)}", () => new StringContent($"satisfaction={value}", Encoding.UTF8, "application/x-www-form-urlencoded"));
            yield return ($"comment={Short(value)}", () => new StringContent($"satisfaction=5&comment={value}", Encoding.UTF8, "application/x-www-form-urlencoded"));
        }
        yield return ("comment too long", () => new StringContent($"satisfaction=5&comment={new string('x', 600)}", Encoding.UTF8, "application/x-www-form-urlencoded"));
    }

    /// <summary>Each route parameter: what exists and what does not (no %00 in a path: Kestrel refuses it before the app).</summary>
    static IEnumerable<(string Path, bool Existing)> Paths(string raw, string number, string token)
    {
        IEnumerable<(string Path, bool Existing)> paths = [(raw, true)];
        foreach (Match parameter in Regex.Matches(raw, @"\{(\w+)\}"))
        {
            (string, bool)[] values = parameter.Groups[1].Value switch
            {
                "format" => [("json", true), ("xml", true), ("html", false), ("JSON", false), ("a%01b", false)],
                "code" => [("road-damage", true), ("no-such-service", false), ("a%01b", false), (new string('x', 3000), false)],
                "id" => [(number, true), ("0", false), ("a%01b", false), (new string('9', 3000), false)],
                "token" when raw.StartsWith("/rate", StringComparison.Ordinal) =>
                    [(Dispatch.Server.Open311.CitizenCases.RatingToken(token), true), (new string('A', 43), false), ("short", false), ("a%01b", false), (new string('x', 3000), false)],
                "token" => [(token, true), (new string('A', 43), false), ("short", false), ("a%01b", false), (new string('x', 3000), false)],
                _ => [("x", false)],
            };
            paths = paths.SelectMany(p => values.Select(v => (p.Path.Replace(parameter.Value, v.Item1), p.Existing && v.Item2))).ToList();
        }
        return paths;
    }

    static string Short(string s, int max = 50) => s.Length > max ? s[..(max - 1)] + "…" : s;
}
