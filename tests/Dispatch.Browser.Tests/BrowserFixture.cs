using Microsoft.Playwright;

namespace Dispatch.Browser.Tests;

/// <summary>
/// The real server (see <see cref="DispatchApp"/>) and Debian's chromium driven by Playwright. We never let
/// Playwright download a browser: it launches /usr/bin/chromium (deploy/test installs it).
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    /// <summary>The app under test, with the early warning on (the situation screen's test raises a surge).</summary>
    public DispatchApp App { get; } = new() { Settings = { ["Dispatch:Warning:Enabled"] = "true" } };
    public IBrowser Browser { get; private set; } = null!;
    IPlaywright _playwright = null!;

    public async Task InitializeAsync()
    {
        await ((IAsyncLifetime)App).InitializeAsync();
        _playwright = await Playwright.CreateAsync();
        var args = new List<string>
        {
            "--disable-dev-shm-usage", "--disable-gpu", "--disable-quic", "--no-first-run",
            // A closed network: stop chromium's own connection attempts from piling up.
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
        };
        if (Environment.UserName == "root") args.Add("--no-sandbox");
        Browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = Environment.GetEnvironmentVariable("DISPATCH_CHROMIUM") ?? "/usr/bin/chromium",
            Headless = true,
            Args = args,
        });
    }

    /// <summary>
    /// A fresh browser context (own cookies), signed in as <paramref name="login"/> through the sign-in page (the
    /// user is created on first use, see <see cref="DispatchApp.Client"/>), on the given console path once interactive.
    /// </summary>
    public async Task<IPage> Open(string path, string language = "en", int width = 1600, int height = 900,
        string login = DispatchApp.DefaultUser, params Dispatch.Domain.Access.Grant[] grants)
    {
        await App.EnsureUser(login, grants);
        var page = await NewPage(language, width, height);
        await page.GotoAsync(new Uri(App.BaseAddress, path).ToString());
        // Not signed in: the console sends us to the sign-in page, which brings us back.
        await page.Locator("[data-testid=signin-form]").WaitForAsync(new() { Timeout = Patience });
        await SignIn(page, login);
        // Back on the page once its circuit is live (the sign-in page has no indicator): prerendered HTML appears before
        // that, and clicks then land nowhere. Not WaitForURL: it can miss a navigation that lands while it sets up.
        await page.Locator("#connection-indicator[data-state=live]").WaitForAsync(new() { Timeout = Patience });
        Assert.Equal(path, new Uri(page.Url).PathAndQuery);
        return page;
    }

    /// <summary>
    /// What a form showed when a wait on it gave up: its fields' values, its error and alert texts, and whether the page's
    /// circuit was still live. A timeout alone says nothing about which step went wrong.
    /// </summary>
    public static async Task<string> FormState(IPage page, string form)
    {
        try
        {
            return await page.EvaluateAsync<string>("""
                (form) => {
                  const f = document.querySelector(form);
                  const fields = f ? [...f.querySelectorAll('input, textarea')].map(i => `${i.id || i.name}=${JSON.stringify(i.value)}`) : ['(no form)'];
                  const texts = [...document.querySelectorAll('.mud-input-error, .mud-alert, .mud-popover-open')].map(e => e.innerText.trim()).filter(t => t);
                  const live = document.querySelector('#connection-indicator')?.dataset?.state;
                  return `form ${form}: ${fields.join(', ')}; shown: ${JSON.stringify(texts)}; connection: ${live}; url: ${location.href}`;
                }
                """, form);
        }
        catch (PlaywrightException e) { return $"form {form}: could not be read ({e.Message})"; }
    }

    /// <summary>How long a page may take to come up: deploy/test runs the test projects side by side on two cores.</summary>
    public const float Patience = 60_000;

    public static async Task SignIn(IPage page, string login, string password = DispatchApp.Password)
    {
        await page.Locator("#login").FillAsync(login);
        await page.Locator("#password").FillAsync(password);
        await page.Locator("#password").PressAsync("Enter");
    }

    /// <summary>A page in a fresh browser context (own cookies), not signed in.</summary>
    public async Task<IPage> NewPage(string language = "en", int width = 1600, int height = 900)
    {
        var context = await Browser.NewContextAsync(new()
        {
            ViewportSize = new() { Width = width, Height = height },
            Locale = language,
            ExtraHTTPHeaders = new Dictionary<string, string> { ["Accept-Language"] = language },
        });
        context.SetDefaultTimeout(Patience);
        return await context.NewPageAsync();
    }

    /// <summary>Where screenshots for docs/ go: the repository's docs/screenshots folder.</summary>
    public static string ScreenshotPath(string name)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Dispatch.sln"))) dir = dir.Parent;
        var folder = Path.Combine(dir?.FullName ?? AppContext.BaseDirectory, "docs", "screenshots");
        Directory.CreateDirectory(folder);
        return Path.Combine(folder, name);
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        await ((IAsyncLifetime)App).DisposeAsync();
    }
}
