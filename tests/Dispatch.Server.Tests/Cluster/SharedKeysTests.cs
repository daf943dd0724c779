using System.Net;
using System.Text.RegularExpressions;
using Dispatch.Server.Tests.Infrastructure;
using Marten;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit;

namespace Dispatch.Server.Tests.Cluster;

/// <summary>
/// One Data Protection key ring in PostgreSQL for every node on a database: what one node protected (the sign-in cookie,
/// the anti-forgery token) another reads. A node on another database stands for a node with a ring of its own (in this
/// process every server would otherwise share the user's home key directory): it refuses the same cookie and token,
/// which is what each node did before the ring was shared.
/// </summary>
public sealed class SharedKeysTests
{
    const string Login = "shared-keys-user";

    static HttpClient Bare(DispatchApp node) =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = node.BaseAddress };

    static async Task<string> SessionCookie(DispatchApp node)
    {
        var cookies = await node.SignIn(Login);
        var auth = cookies.GetAllCookies().Single(c => c.Name == "dispatch-auth");
        return $"{auth.Name}={auth.Value}";
    }

    static async Task<HttpStatusCode> SessionWith(DispatchApp node, string cookie)
    {
        using var client = Bare(node);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/session");
        request.Headers.Add("Cookie", cookie);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>A node on a database (and so a key ring) of its own, with the same user.</summary>
    static async Task<OwnRing> NodeWithItsOwnRing()
    {
        var node = new DispatchApp();
        await ((IAsyncLifetime)node).InitializeAsync();
        await node.EnsureUser(Login);
        return new OwnRing(node);
    }

    sealed record OwnRing(DispatchApp Node) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => new(((IAsyncLifetime)Node).DisposeAsync());
    }

    [Fact]
    public async Task Given_a_sign_in_on_node_A_when_its_cookie_calls_the_api_on_node_B_then_B_answers_200()
    {
        await using var nodes = new Nodes();
        var a = await nodes.Start();
        var b = await nodes.Start();
        await using var elsewhere = await NodeWithItsOwnRing();

        var cookie = await SessionCookie(a);

        Assert.Equal(HttpStatusCode.OK, await SessionWith(a, cookie));
        Assert.Equal(HttpStatusCode.OK, await SessionWith(b, cookie));
        // The same user on a node with a ring of its own: the cookie cannot be read there.
        Assert.Equal(HttpStatusCode.Unauthorized, await SessionWith(elsewhere.Node, cookie));
    }

    [Fact]
    public async Task Given_the_sign_in_form_rendered_by_node_A_when_it_is_posted_to_node_B_then_B_accepts_its_anti_forgery_token()
    {
        await using var nodes = new Nodes();
        var a = await nodes.Start();
        var b = await nodes.Start();
        await a.EnsureUser(Login);
        await using var elsewhere = await NodeWithItsOwnRing();

        // The form and its anti-forgery cookie, from A.
        string token, antiforgery;
        using (var client = Bare(a))
        using (var page = await client.GetAsync("/signin"))
        {
            token = Regex.Match(await page.Content.ReadAsStringAsync(), "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
            antiforgery = page.Headers.GetValues("Set-Cookie").Select(c => c.Split(';')[0]).Single(c => c.StartsWith(".AspNetCore.Antiforgery."));
        }
        Assert.NotEmpty(token);

        async Task<HttpResponseMessage> Post(DispatchApp node)
        {
            using var client = Bare(node);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/account/signin")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["__RequestVerificationToken"] = token, ["login"] = Login, ["password"] = DispatchApp.Password, ["returnUrl"] = "/",
                }),
            };
            request.Headers.Add("Cookie", antiforgery);
            return await client.SendAsync(request);
        }

        using var onB = await Post(b);
        Assert.Equal(HttpStatusCode.Redirect, onB.StatusCode);
        Assert.Equal("/", onB.Headers.Location!.OriginalString);
        Assert.Contains(onB.Headers.GetValues("Set-Cookie"), c => c.StartsWith("dispatch-auth="));

        using var onElsewhere = await Post(elsewhere.Node);
        Assert.Equal(HttpStatusCode.BadRequest, onElsewhere.StatusCode);
    }

    [Fact]
    public async Task Given_two_nodes_starting_together_on_a_new_database_then_they_make_one_key_and_each_reads_the_other_s_cookie()
    {
        // The first node makes the database and its schema; two more then start at once on an empty key ring.
        await using var nodes = new Nodes();
        var first = await nodes.Start(new() { ["Dispatch:Projections:Daemon"] = "Disabled" });
        await using (var connection = new NpgsqlConnection(first.ConnectionString))
        {
            await connection.OpenAsync();
            await using var empty = new NpgsqlCommand("truncate dispatch.data_protection_keys", connection);
            await empty.ExecuteNonQueryAsync();
        }
        await nodes.Stop(first);

        var started = await Task.WhenAll(nodes.Start(), nodes.Start());

        await using (var connection = new NpgsqlConnection(started[0].ConnectionString))
        {
            await connection.OpenAsync();
            await using var count = new NpgsqlCommand("select count(*) from dispatch.data_protection_keys", connection);
            Assert.Equal(1L, await count.ExecuteScalarAsync());
        }
        Assert.Equal(HttpStatusCode.OK, await SessionWith(started[1], await SessionCookie(started[0])));
        Assert.Equal(HttpStatusCode.OK, await SessionWith(started[0], await SessionCookie(started[1])));
    }

    [Fact]
    public async Task Given_a_certificate_configured_then_the_stored_keys_are_encrypted_and_every_node_still_reads_them()
    {
        var pfx = Path.Combine(Path.GetTempPath(), $"dispatch-keys-{Guid.NewGuid():N}.pfx");
        using (var rsa = System.Security.Cryptography.RSA.Create(2048))
        {
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest(
                "CN=dispatch-keys", rsa, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(1));
            await File.WriteAllBytesAsync(pfx, certificate.Export(System.Security.Cryptography.X509Certificates.X509ContentType.Pfx, "pfx-password"));
        }
        try
        {
            var settings = new Dictionary<string, string?>
            {
                ["Dispatch:DataProtection:Certificate"] = pfx, ["Dispatch:DataProtection:CertificatePassword"] = "pfx-password",
            };
            await using var nodes = new Nodes();
            var a = await nodes.Start(settings);
            var b = await nodes.Start(settings);

            Assert.Equal(HttpStatusCode.OK, await SessionWith(b, await SessionCookie(a)));
            await using var connection = new NpgsqlConnection(a.ConnectionString);
            await connection.OpenAsync();
            await using var read = new NpgsqlCommand("select xml from dispatch.data_protection_keys", connection);
            var xml = (string)(await read.ExecuteScalarAsync())!;
            Assert.Contains("EncryptedData", xml);
            Assert.DoesNotContain("<masterKey", xml);
        }
        finally { File.Delete(pfx); }
    }
}
