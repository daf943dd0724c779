using Bunit;
using Dispatch.Domain.Access;
using Dispatch.Server.Components;
using Dispatch.Server.Identity;
using Dispatch.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Dispatch.Components.Tests.Infrastructure;

/// <summary>
/// What most console tests share: the running app as a class fixture and, for each test, a fresh console
/// (<see cref="ConsoleContext.For"/>) signed in with every incident role city-wide, disposed after the test.
/// </summary>
public abstract class ConsoleTest<TApp>(TApp app) : IClassFixture<TApp>, IAsyncLifetime where TApp : DispatchApp
{
    protected TApp App { get; } = app;

    /// <summary>The console under test. A test may swap it (e.g. for one in Chinese); the one in place at the end is disposed.</summary>
    protected BunitContext Ctx { get; set; } = null!;

    // Not async, as most classes' own InitializeAsync were: the culture ConsoleContext.For sets is async-local, and a change
    // made inside an async method stays inside it.
    public Task InitializeAsync()
    {
        Ctx = ConsoleContext.For(App, services: ReplaceServices);
        return Prepare();
    }

    public async Task DisposeAsync() => await Ctx.DisposeAsync();

    /// <summary>Replaces some of the app's services for this console (e.g. a clock the test moves).</summary>
    protected virtual void ReplaceServices(IServiceCollection services) { }

    /// <summary>Runs once the console exists, before each test: who is signed in, JS modules, places the tests use.</summary>
    protected virtual Task Prepare() => Task.CompletedTask;

    /// <summary>Signs this console in as <paramref name="actor"/>, held by the session only (the store knows no such user).</summary>
    protected void SignIn(Actor actor) => Ctx.Services.GetRequiredService<ConsoleSession>().Actor = actor;

    /// <summary>
    /// Stores the user <paramref name="login"/> with <paramref name="grants"/> and signs this console in as them, as the store
    /// reads them back: for pages that check the person's current roles in the store.
    /// </summary>
    protected async Task<Actor> SignInStored(string login, string name, params Grant[] grants)
    {
        var users = App.Services.GetRequiredService<Users>();
        await users.Ensure(login, name, DispatchApp.Password, grants);
        var actor = (await users.Find(login))!.ToActor();
        SignIn(actor);
        return actor;
    }
}
