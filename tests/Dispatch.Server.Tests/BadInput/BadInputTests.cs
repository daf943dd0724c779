using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Dispatch.Domain.Access;
using Dispatch.Server.Tests.Access;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace Dispatch.Server.Tests.BadInput;

/// <summary>The server as `dotnet watch` runs it: Development, where a binding failure used to end as a 500.</summary>
public sealed class DevelopmentApp : DispatchApp
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseEnvironment("Development");
    }
}

/// <summary>
/// Input a careless or hostile client sends — NUL in free text, the all-zero id, odd redirect targets, a cut-off upload,
/// bodies that do not bind, a bad filter, a read mark from the future — is a 4xx that names the field, never a 500, and
/// nothing is written.
/// </summary>
public class BadInputTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    const string Nul = "a\\u0000b"; // as JSON writes it

    /// <summary>Incident command (after /api/incidents/{id}/), its body with a NUL in one text, the field named.</summary>
    public static TheoryData<string, string, string> NulInIncidentText => new()
    {
        { "escalate", $$"""{ "reason": "{{Nul}}" }""", "reason" },
        { "supervise", $$"""{ "comment": "{{Nul}}" }""", "comment" },
        { "progress", $$"""{ "department": "{{Steps.Department}}", "note": "{{Nul}}" }""", "note" },
        { "reopen", $$"""{ "reason": "{{Nul}}" }""", "reason" },
        { "cancel", $$"""{ "reason": "duplicate", "note": "{{Nul}}" }""", "note" },
        { "caller/reveal", $$"""{ "reason": "{{Nul}}" }""", "reason" },
        { "escalate", """{ "reason": "\u202Egnp.exe" }""", "reason" },
    };

    [Theory]
    [MemberData(nameof(NulInIncidentText))]
    public async Task A_control_character_in_an_incident_text_is_a_400_naming_the_field(string action, string body, string field)
    {
        var incident = await app.Client().Accepted();

        await app.WritesNothing(incident.Id, async () =>
        {
            using var response = await app.Client().PostRaw($"/api/incidents/{incident.Id}/{action}", body);
            Assert.Contains("control character", Assert.Single((await response.FieldErrors())[field]));
        });
    }

    [Fact]
    public async Task A_control_character_in_a_unit_message_or_call_sign_is_a_400_naming_the_field()
    {
        var unit = Guid.NewGuid();
        await app.StartsNoStream(async () =>
        {
            using var message = await app.Client().PostRaw($"/api/units/{unit}/messages", $$"""{ "text": "{{Nul}}" }""");
            using var register = await app.Client().PostRaw("/api/units",
                $$"""{ "callSign": "{{Nul}}", "department": "{{Steps.Department}}", "jurisdiction": "demo", "capabilities": [], "members": [] }""");

            Assert.Contains("text", (await message.FieldErrors()).Keys);
            Assert.Contains("callSign", (await register.FieldErrors()).Keys);
        });
    }

    [Fact]
    public async Task A_control_character_in_a_photo_caption_is_a_400_naming_the_caption()
    {
        var incident = await app.Client().Acknowledged();

        await app.WritesNothing(incident.Id, async () =>
        {
            using var form = new MultipartFormDataContent { { new ByteArrayContent([1, 2, 3]), "photo", "scene.png" }, { new StringContent("井盖\0缺失"), "caption" } };
            using var response = await app.Client().PostAsync($"/api/incidents/{incident.Id}/photos", form);
            Assert.Contains("caption", (await response.FieldErrors()).Keys);
        });
    }

    [Fact]
    public async Task A_control_character_in_the_sign_in_login_is_a_400_naming_the_login_anonymously()
    {
        using var anonymous = app.Anonymous();
        await app.StartsNoStream(async () =>
        {
            using var json = await anonymous.PostRaw("/api/session", $$"""{ "login": "{{Nul}}", "password": "x" }""");
            Assert.Contains("login", (await json.FieldErrors()).Keys);

            var (client, token) = await SignInPage();
            using (client)
            using (var form = await client.PostAsync("/account/signin", new FormUrlEncodedContent(new Dictionary<string, string>
                   {
                       ["__RequestVerificationToken"] = token, ["password"] = "x", ["login"] = "someone\0",
                   })))
                // The framework's form reader already refuses the NUL (before the sign-in's own check of the text rule):
                // a 400, never a 500.
                await form.Problem(HttpStatusCode.BadRequest);
        });
    }

    [Fact]
    public async Task An_all_zero_id_is_a_404_and_an_all_zero_incident_to_dispatch_to_a_400_naming_it()
    {
        var zero = Guid.Empty;
        await app.StartsNoStream(async () =>
        {
            using var incident = await app.Client().Command(zero, "accept");
            using var reveal = await app.Client().PostRaw($"/api/incidents/{zero}/caller/reveal", """{ "reason": "check" }""");
            using var unit = await app.Client().PostAsync($"/api/units/{zero}/on-duty", null);
            using var dispatch = await app.Client().PostRaw($"/api/units/{Guid.NewGuid()}/dispatch", $$"""{ "incidentId": "{{zero}}" }""");

            Assert.Equal(HttpStatusCode.NotFound, incident.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, reveal.StatusCode);
            Assert.Equal(HttpStatusCode.NotFound, unit.StatusCode);
            Assert.Contains("incidentId", (await dispatch.FieldErrors()).Keys);
        });
    }

    [Theory]
    [InlineData("/\\evil.example")]
    [InlineData("/\tevil.example")]
    [InlineData("/\\\\evil.example")]
    [InlineData("//evil.example")]
    [InlineData("https://evil.example/")]
    public async Task An_odd_redirect_target_goes_home_instead_of_a_500(string target)
    {
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = app.BaseAddress };

        using var culture = await client.GetAsync($"/culture?culture=en&redirectUri={Uri.EscapeDataString(target)}");
        Assert.Equal(HttpStatusCode.Redirect, culture.StatusCode);
        Assert.Equal("/", culture.Headers.Location!.OriginalString);

        await app.EnsureUser("bad-input-return");
        var (signin, token) = await SignInPage();
        using (signin)
        {
            using var form = await signin.PostAsync("/account/signin", new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["login"] = "bad-input-return", ["password"] = DispatchApp.Password, ["returnUrl"] = target, ["__RequestVerificationToken"] = token,
            }));
            Assert.Equal(HttpStatusCode.Redirect, form.StatusCode);
            Assert.Equal("/", form.Headers.Location!.OriginalString);
        }
    }

    [Fact]
    public async Task A_plain_local_redirect_target_is_kept()
    {
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = app.BaseAddress };
        using var culture = await client.GetAsync("/culture?culture=en&redirectUri=%2Fmap%3Fx%3D1");
        Assert.Equal("/map?x=1", culture.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task A_truncated_photo_upload_is_a_400_naming_the_photo()
    {
        var incident = await app.Client().Acknowledged();
        const string cut = "--cut\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"scene.png\"\r\nContent-Type: image/png\r\n\r\n\u0089PNG";

        await app.WritesNothing(incident.Id, async () =>
        {
            var content = new ByteArrayContent(Encoding.Latin1.GetBytes(cut));
            content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=cut");
            using var response = await app.Client().PostAsync($"/api/incidents/{incident.Id}/photos", content);
            Assert.Contains("photo", (await response.FieldErrors()).Keys);
        });
    }

    [Fact]
    public async Task A_photo_form_with_too_many_fields_is_unreadable_not_too_large()
    {
        var incident = await app.Client().Acknowledged();
        using var form = new MultipartFormDataContent();
        foreach (var i in Enumerable.Range(0, 40)) form.Add(new StringContent("x"), $"f{i}");

        using var response = await app.Client().PostAsync($"/api/incidents/{incident.Id}/photos", form);

        Assert.DoesNotContain("large", Assert.Single((await response.FieldErrors())["photo"]));
    }

    /// <summary>Bodies and parameters the framework binds (the unit and sign-in endpoints), the field the 400 must name.</summary>
    public static TheoryData<string, string, string> Unbindable => new()
    {
        { "/api/units", """{ "callSign": 5 }""", "callSign" },
        { "/api/units", """{ "callSign": "A1", """, "body" },
        { "/api/units", """{ "callSign": "\uD800" }""", "callSign" },
        { "/api/session", """{ "login": ["x"] }""", "login" },
        { "/api/chat/read", """{ "channel": "x", "seq": 1e400 }""", "seq" },
    };

    [Theory]
    [MemberData(nameof(Unbindable))]
    public async Task A_body_that_does_not_bind_is_a_400_naming_the_field(string path, string body, string field)
    {
        await app.StartsNoStream(async () =>
        {
            using var response = await app.Client().PostRaw(path, body);
            Assert.Contains(field, (await response.FieldErrors()).Keys);
        });
    }

    [Fact]
    public async Task A_bad_number_in_the_query_string_is_a_400_naming_the_parameter()
    {
        var incident = await app.Client().Accepted();
        using var response = await app.Client().GetAsync($"/api/incidents/{incident.Id}/units?staleMinutes=soon");
        Assert.Contains("staleMinutes", (await response.FieldErrors()).Keys);
    }

    [Theory]
    [InlineData("state=foo", "state")]
    [InlineData("state=42", "state")]
    [InlineData("urgency=extreme", "urgency")]
    public async Task A_bad_board_filter_is_a_400_naming_it(string query, string field)
    {
        using var response = await app.Client().GetAsync($"/api/board?{query}");
        Assert.Contains(field, (await response.FieldErrors()).Keys);
    }

    [Fact]
    public async Task Error_answers_carry_the_security_headers_and_no_answer_names_the_server()
    {
        // A binding failure goes through the exception handler, which clears the headers before it answers.
        using var unbound = await app.Client().PostRaw("/api/units", "{");
        using var board = await app.Client().GetAsync("/api/board");

        await unbound.FieldErrors();
        Assert.Equal("DENY", unbound.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("nosniff", unbound.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("frame-ancestors 'none'", unbound.Headers.GetValues("Content-Security-Policy").Single());
        Assert.False(unbound.Headers.Contains("Server"));
        Assert.False(board.Headers.Contains("Server"));
    }

    [Fact]
    public async Task A_read_mark_beyond_the_last_message_stops_there_so_later_mentions_still_count()
    {
        var dispatcher = new Grant(Role.Dispatcher, new Scopes(app).Town.Path);
        var (a, b) = (Api.Unique("marker"), Api.Unique("marked"));
        await using var alice = await ChatClient.Connect(app, a, grants: dispatcher);
        await using var bob = await ChatClient.Connect(app, b, grants: dispatcher);
        var dm = await alice.Direct(b);
        await alice.Post(dm, "第一条");

        await bob.MarkRead(dm, 9_007_199_254_740_991); // 2^53 - 1
        await alice.Post(dm, $"@{b} 请看一下");

        var channel = (await bob.Channels()).Single(c => c.Key == dm);
        Assert.Equal((1, 1), (channel.Unread, channel.Mentions));
    }

    /// <summary>A client holding the sign-in page's anti-forgery cookie, and the form's token.</summary>
    async Task<(HttpClient Client, string Token)> SignInPage()
    {
        var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = app.BaseAddress };
        var page = await client.GetStringAsync("/signin");
        var token = Regex.Match(page, "name=\"__RequestVerificationToken\" value=\"([^\"]+)\"").Groups[1].Value;
        Assert.NotEmpty(token);
        return (client, token);
    }
}

/// <summary>The same binding failures in Development: 400s naming the field, as in every other environment.</summary>
public class DevelopmentBadInputTests(DevelopmentApp app) : IClassFixture<DevelopmentApp>
{
    [Theory]
    [InlineData("/api/units", """{ "callSign": 5 }""", "callSign")]
    [InlineData("/api/units", "{ broken", "body")]
    [InlineData("/api/session", """{ "login": "\uDC00" }""", "login")]
    public async Task A_body_that_does_not_bind_is_a_400_naming_the_field_not_a_500(string path, string body, string field)
    {
        await app.StartsNoStream(async () =>
        {
            using var response = await app.Client().PostRaw(path, body);
            Assert.Contains(field, (await response.FieldErrors()).Keys);
        });
    }
}
