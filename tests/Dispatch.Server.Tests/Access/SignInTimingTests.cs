using System.Net;
using System.Net.Http.Json;
using Dispatch.Domain.Access;
using Dispatch.Server.Identity;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Dispatch.Server.Tests.Access;

/// <summary>The server with a password hasher that counts its verifications (the work a sign-in does).</summary>
public sealed class CountingHasherApp : DispatchApp
{
    public CountingHasher Hasher { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(services => services.Replace(ServiceDescriptor.Singleton<IPasswordHasher<UserAccount>>(Hasher)));
    }

    public sealed class CountingHasher : IPasswordHasher<UserAccount>
    {
        readonly PasswordHasher<UserAccount> _real = new();
        int _verifications;

        public int Verifications => Volatile.Read(ref _verifications);

        public string HashPassword(UserAccount user, string password) => _real.HashPassword(user, password);

        public PasswordVerificationResult VerifyHashedPassword(UserAccount user, string hashedPassword, string providedPassword)
        {
            Interlocked.Increment(ref _verifications);
            return _real.VerifyHashedPassword(user, hashedPassword, providedPassword);
        }
    }
}

/// <summary>
/// Sign-in timing does not tell which logins exist: a wrong password for a real login, an unknown login and a disabled
/// login each cost one password-hash verification with the same hasher (an unknown one against a dummy hash).
/// Counted, not timed: the work is the same by construction.
/// </summary>
public class SignInTimingTests(CountingHasherApp app) : IClassFixture<CountingHasherApp>
{
    async Task<int> VerificationsFor(string login, string password)
    {
        using var anonymous = app.Anonymous();
        var before = app.Hasher.Verifications;
        using var response = await anonymous.PostAsJsonAsync("/api/session", new { login, password });
        await response.Problem(HttpStatusCode.Unauthorized);
        return app.Hasher.Verifications - before;
    }

    [Fact]
    public async Task An_unknown_a_disabled_and_a_real_login_with_a_wrong_password_each_verify_one_hash()
    {
        await app.EnsureUser("timing-real", new Grant(Role.Dispatcher, "demo"));
        await app.EnsureUser("timing-disabled", new Grant(Role.Dispatcher, "demo"));
        var admin = app.Client("timing-admin", "en", new Grant(Role.Admin, "demo"));
        using (var disable = await admin.PutAsJsonAsync("/api/users/timing-disabled", new
        {
            name = "Gone", disabled = true, grants = new[] { new { role = "Dispatcher", jurisdiction = "demo" } },
        })) await disable.ShouldBe(HttpStatusCode.OK);

        Assert.Equal(1, await VerificationsFor("timing-real", "not-the-password"));
        Assert.Equal(1, await VerificationsFor("timing-nobody-here", "not-the-password"));
        Assert.Equal(1, await VerificationsFor("timing-disabled", DispatchApp.Password));
    }
}
