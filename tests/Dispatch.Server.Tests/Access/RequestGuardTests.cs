using System.Net;
using System.Text;
using Dispatch.Server.Chat;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace Dispatch.Server.Tests.Access;

/// <summary>Commands speak JSON only, and browsers reach the hubs and the circuit only from allowed origins.</summary>
public class RequestGuardTests(DispatchApp app) : IClassFixture<DispatchApp>
{
    [Fact]
    public async Task A_command_with_an_empty_form_body_or_plain_text_is_415_and_changes_nothing()
    {
        var client = app.Client();
        var incident = await client.Accepted();

        using var emptyForm = await client.PostAsync($"/api/incidents/{incident.Id}/assign",
            new StringContent("", Encoding.UTF8, "application/x-www-form-urlencoded"));
        await emptyForm.Problem(HttpStatusCode.UnsupportedMediaType);
        using var plain = await client.PostAsync($"/api/units/{Guid.NewGuid()}/on-duty", new StringContent("{}", Encoding.UTF8, "text/plain"));
        await plain.Problem(HttpStatusCode.UnsupportedMediaType);
        using var noType = new HttpRequestMessage(HttpMethod.Post, $"/api/incidents/{incident.Id}/assign") { Content = new ByteArrayContent("{}"u8.ToArray()) };
        using var untyped = await client.SendAsync(noType);
        await untyped.Problem(HttpStatusCode.UnsupportedMediaType);

        Assert.Equal(incident.Version, (await client.Detail(incident.Id)).GetProperty("version").GetInt64());
        // A command without a body needs no content type (the sign-out), and JSON passes.
        using var signOut = await app.Client(Api.Unique("leaver")).DeleteAsync("/api/session");
        await signOut.ShouldBe(HttpStatusCode.NoContent);
    }

    async Task<HubConnection> Hub(string? origin)
    {
        var cookies = await app.SignIn();
        return new HubConnectionBuilder()
            .WithUrl(new Uri(app.BaseAddress, ChatHub.Path), o =>
            {
                o.Cookies = cookies;
                if (origin is not null) o.Headers["Origin"] = origin;
            })
            .Build();
    }

    [Fact]
    public async Task A_hub_connection_from_another_origin_is_refused_and_the_own_origin_or_none_is_accepted()
    {
        await using (var foreign = await Hub("https://evil.example"))
        {
            var refused = await Assert.ThrowsAsync<HttpRequestException>(() => foreign.StartAsync().WaitAsync(ChatClient.Patience));
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        await using (var own = await Hub(app.BaseAddress.GetLeftPart(UriPartial.Authority)))
            await own.StartAsync().WaitAsync(ChatClient.Patience);
        await using (var script = await Hub(null))
            await script.StartAsync().WaitAsync(ChatClient.Patience);

        // The console's circuit too.
        using var circuit = new HttpRequestMessage(HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1");
        circuit.Headers.Add("Origin", "https://evil.example");
        using var answer = await app.Anonymous().SendAsync(circuit);
        await answer.Problem(HttpStatusCode.Forbidden);
    }
}

/// <summary>A server whose wall displays are served from another site.</summary>
public sealed class WallOriginApp : DispatchApp
{
    public WallOriginApp() => Settings = new() { ["Dispatch:AllowedOrigins"] = "https://wall.example, https://screens.example:8443" };
}

public class AllowedOriginTests(WallOriginApp app) : IClassFixture<WallOriginApp>
{
    [Fact]
    public async Task A_configured_origin_may_connect_to_the_hubs_and_others_may_not()
    {
        var cookies = await app.SignIn();
        HubConnection From(string origin) => new HubConnectionBuilder()
            .WithUrl(new Uri(app.BaseAddress, ChatHub.Path), o => { o.Cookies = cookies; o.Headers["Origin"] = origin; })
            .Build();

        await using (var wall = From("https://wall.example"))
            await wall.StartAsync().WaitAsync(ChatClient.Patience);
        await using (var screens = From("https://screens.example:8443"))
            await screens.StartAsync().WaitAsync(ChatClient.Patience);
        await using var other = From("https://screens.example");
        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => other.StartAsync().WaitAsync(ChatClient.Patience));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }
}
