using System.Net;
using System.Text.RegularExpressions;
using Marten;
using Microsoft.Playwright;

namespace Dispatch.Browser.Tests;

/// <summary>
/// Issue 19, keyboard only in chromium: a call typed at the hotline intake becomes a dispatched unit in the sequence
/// docs/keyboard.md documents (read from that file, counted as it counts), and the unit's phone gets the job; and pressing 1
/// twice in a row sends one unit.
/// </summary>
public sealed class KeyboardDispatchTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    const float Push = 15_000;
    DispatchApp App => browser.App;
    Actor Dispatcher => new("keys-browser-dispatcher", "Dispatcher", App.Everything());

    /// <summary>
    /// A documented sequence: the first column of the table between the <paramref name="name"/>:start and :end markers of
    /// docs/keyboard.md (demo-sequence, the 40 keystrokes; gazetteer-sequence, the same call located by its address).
    /// </summary>
    static IReadOnlyList<(string Keys, int Count)> Documented(string name = "demo-sequence")
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Dispatch.sln"))) dir = dir.Parent;
        var text = File.ReadAllText(Path.Combine(dir!.FullName, "docs", "keyboard.md"));
        var block = Regex.Match(text, $"<!-- {name}:start -->(.*?)<!-- {name}:end -->", RegexOptions.Singleline).Groups[1].Value;
        return [.. Regex.Matches(block, @"^\|\s*`([^`]+)`\s*\|\s*(\d+)\s*\|", RegexOptions.Multiline)
            .Select(m => (m.Groups[1].Value, int.Parse(m.Groups[2].Value)))];
    }

    /// <summary>A chord or a named key as the doc writes it (Alt+C, Ctrl+Enter, Tab, Enter), in Playwright's words; null for typed text.</summary>
    static string? Chord(string keys) => keys switch
    {
        "Tab" or "Enter" or "Escape" => keys,
        _ when Regex.Match(keys, @"^(Alt|Ctrl)\+(.+)$") is { Success: true } m =>
            $"{(m.Groups[1].Value == "Ctrl" ? "Control" : "Alt")}+{m.Groups[2].Value switch
            {
                [var c] when char.IsAsciiLetter(c) => $"Key{char.ToUpperInvariant(c)}",
                [var d] when char.IsAsciiDigit(d) => $"Digit{d}",
                var other => other,
            }}",
        _ => null,
    };

    /// <summary>A unit of the demo call's town with its own sign-in (its phone), on duty, located a little way off.</summary>
    async Task<(Guid Id, string Login)> UnitWithPhone(string callSign, double lat, double lon)
    {
        using var dispatcher = App.Client();
        var town = App.Services.GetRequiredService<JurisdictionTree>().Place(lat, lon).Town!;
        var login = Api.Unique("unit");
        using var registered = await dispatcher.PostAsJsonAsync("/api/units", new
        {
            callSign, department = Steps.Department, jurisdiction = town.Code, capabilities = new[] { "enforcement" },
            members = new[] { "王强" }, login, password = DispatchApp.Password,
        });
        await registered.ShouldBe(HttpStatusCode.OK);
        var id = (await registered.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var units = App.Services.GetRequiredService<UnitService>();
        Assert.IsType<UnitOutcome.Done>(await units.Handle(Dispatcher, id, new GoOnDuty("")));
        Assert.IsType<UnitOutcome.Done>(await units.Handle(Dispatcher, id, new ReportPosition(lat + 0.0008, lon, 8, DateTimeOffset.UtcNow.AddSeconds(-30), "")));
        return (id, login);
    }

    /// <summary>The unit's phone: /field signed in as the unit, live on the unit hub.</summary>
    async Task<IPage> Phone(string login)
    {
        var page = await browser.NewPage("zh-CN", 390, 844);
        await page.GotoAsync(new Uri(App.BaseAddress, "/field").ToString());
        await page.Locator("[data-testid=signin-form]").WaitForAsync();
        await BrowserFixture.SignIn(page, login);
        // Back on /field and live (no wait on the address: that waits on the page's load state, see FieldPageTests.Phone).
        await page.Locator("[data-testid=field-page][data-live=true]").WaitForAsync();
        return page;
    }

    static async Task Focused(IPage page, string selector)
    {
        try
        {
            await page.WaitForFunctionAsync("s => document.activeElement && document.activeElement.matches(s)", selector, new() { Timeout = Push });
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"Not focused: {selector}. Focused: {await FocusedElement(page)}");
        }
    }

    // What a failed wait saw: the focused element, its value, and the text of any open list.
    static Task<string> FocusedElement(IPage page) =>
        page.EvaluateAsync<string>("""
            () => {
                const e = document.activeElement;
                const lists = [...document.querySelectorAll('.mud-popover-open')].map(p => p.innerText.replace(/\s+/g, ' ').slice(0, 300));
                return (e ? `${e.outerHTML.slice(0, 300)} value='${e.value ?? ''}'` : 'nothing') + `; open lists: [${lists.join(' | ')}]`;
            }
            """);

    /// <summary>Types a documented sequence key by key, waiting after a step where <paramref name="after"/> says so; the keystrokes typed.</summary>
    static async Task<int> Type(IPage page, IReadOnlyList<(string Keys, int Count)> sequence, Dictionary<int, Func<Task>> after)
    {
        var typed = 0;
        try
        {
            for (var i = 0; i < sequence.Count; i++)
            {
                var (keys, _) = sequence[i];
                if (Chord(keys) is { } chord)
                {
                    await page.Keyboard.PressAsync(chord);
                    typed++;
                }
                else
                {
                    // A run of text arrives as one input, as an input method commits it (or a paste); a single character
                    // is a key press, which the page's own keys (urgency, the unit's number) listen for. Each character
                    // counts. Why not key by key: Blazor Server sends every keystroke to the circuit, and typing faster
                    // than a busy circuit answers can lose a key to a late render (dotnet/aspnetcore#65994; docs/keyboard.md).
                    if (keys.Length == 1) await page.Keyboard.TypeAsync(keys);
                    else
                    {
                        await page.Keyboard.InsertTextAsync(keys);
                        await page.WaitForFunctionAsync("t => document.activeElement && (document.activeElement.value ?? '').endsWith(t)",
                            keys, new() { Timeout = Push });
                    }
                    typed += keys.Length;
                }
                if (after.TryGetValue(i, out var wait)) await wait();
            }
        }
        catch (TimeoutException e)
        {
            await page.ScreenshotAsync(new() { Path = Path.Combine(Path.GetTempPath(), "keyboard-sequence-failed.png") });
            throw new TimeoutException($"{e.Message} — at {page.Url}; focused: {await FocusedElement(page)}", e);
        }
        return typed;
    }

    [Fact]
    public async Task Given_the_intake_page_When_the_documented_keys_are_typed_Then_the_nearest_unit_is_sent_and_its_phone_gets_the_job_in_40_keystrokes()
    {
        var sequence = Documented();
        Assert.Equal(40, sequence.Sum(s => s.Count));
        Assert.All(sequence, s => Assert.Equal(Chord(s.Keys) is null ? s.Keys.Length : 1, s.Count));

        var unit = await UnitWithPhone("东湖-城管-键", 31.2304, 121.4737);
        var phone = await Phone(unit.Login);
        var page = await browser.Open("/intake");
        await Focused(page, "#intake-phone");

        // What a person waits for between keys (nothing typed): the page a key leads to, and the focus it puts somewhere.
        var after = new Dictionary<int, Func<Task>>
        {
            // The list shows its first line before Tab picks it.
            [2] = () => page.Locator(".mud-popover-open .mud-list-item").First.WaitForAsync(new() { Timeout = Push }),
            [3] = () => Focused(page, "#intake-urgency"),
            [5] = () => Focused(page, "#intake-lat"),
            [11] = async () =>
            {
                await page.Locator("[data-testid=incident-drawer] [data-testid=action-form][data-action=assign]").WaitForAsync(new() { Timeout = Push });
                await Focused(page, "[data-testid=action-form][data-action=assign] #action-submit");
            },
            [12] = async () =>
            {
                await page.Locator($"[data-testid=incident-units][data-unit-keys] [data-testid=unit-proposed][data-unit='{unit.Id}'][data-key='1']")
                    .WaitForAsync(new() { Timeout = Push });
                await page.WaitForFunctionAsync("() => !document.activeElement || !document.activeElement.matches('input, textarea')");
            },
        };
        var typed = await Type(page, sequence, after);
        Assert.Equal(40, typed);

        // The drawer shows the incident it filed; the unit's phone has the job, pushed.
        var number = await page.Locator("[data-testid=drawer-number]").InnerTextAsync();
        await phone.Locator($"[data-testid=field-assignment][data-number='{number}']").WaitForAsync(new() { Timeout = Push });
        await using var query = App.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var card = (await query.Query<IncidentDetail>().Where(c => c.Number == number).ToListAsync()).Single();
        Assert.Equal(("road-damage", Urgency.High, "urban-management", "13812345678", "路面塌陷"),
            (card.Category, card.Urgency, card.LeadDepartment, card.CallerPhone, card.Description));
        Assert.Equal((31.2304, 121.4737), (card.Location!.Lat, card.Location.Lon));
        Assert.Equal(card.Id, (await query.LoadAsync<UnitRosterEntry>(unit.Id))!.IncidentId);
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("keyboard-dispatched.png") });
    }

    [Fact]
    public async Task Given_the_intake_page_When_the_documented_gazetteer_keys_are_typed_Then_the_address_locates_the_call_and_the_unit_is_sent_in_30_keystrokes()
    {
        var sequence = Documented("gazetteer-sequence");
        Assert.Equal(30, sequence.Sum(s => s.Count));
        Assert.All(sequence, s => Assert.Equal(Chord(s.Keys) is null ? s.Keys.Length : 1, s.Count));

        var unit = await UnitWithPhone("东湖-城管-址", 31.2304, 121.4737);
        var phone = await Phone(unit.Login);
        var page = await browser.Open("/intake");
        await Focused(page, "#intake-phone");

        var after = new Dictionary<int, Func<Task>>
        {
            [2] = () => page.Locator(".mud-popover-open .mud-list-item").First.WaitForAsync(new() { Timeout = Push }),
            [3] = () => Focused(page, "#intake-urgency"),
            [5] = () => Focused(page, "#intake-address"),
            // The address as typed, then the gazetteer proposes the road and number first.
            [6] = async () =>
            {
                await page.WaitForFunctionAsync("() => document.querySelector('#intake-address').value === '人民路128'", null, new() { Timeout = Push });
                await page.Locator(".mud-popover-open [data-testid=address-proposal]").First
                    .Filter(new() { HasText = "人民路 128号" }).WaitForAsync(new() { Timeout = Push });
            },
            // Picked: address and both coordinates filled, and on to what happened.
            [7] = async () =>
            {
                await Focused(page, "#intake-description");
                await page.WaitForFunctionAsync("() => document.querySelector('#intake-lat').value === '31.2304' && document.querySelector('#intake-lon').value === '121.4737'",
                    null, new() { Timeout = Push });
            },
            [9] = async () =>
            {
                await page.Locator("[data-testid=incident-drawer] [data-testid=action-form][data-action=assign]").WaitForAsync(new() { Timeout = Push });
                await Focused(page, "[data-testid=action-form][data-action=assign] #action-submit");
            },
            [10] = async () =>
            {
                await page.Locator($"[data-testid=incident-units][data-unit-keys] [data-testid=unit-proposed][data-unit='{unit.Id}'][data-key='1']")
                    .WaitForAsync(new() { Timeout = Push });
                await page.WaitForFunctionAsync("() => !document.activeElement || !document.activeElement.matches('input, textarea')");
            },
        };
        Assert.Equal(30, await Type(page, sequence, after));

        var number = await page.Locator("[data-testid=drawer-number]").InnerTextAsync();
        await phone.Locator($"[data-testid=field-assignment][data-number='{number}']").WaitForAsync(new() { Timeout = Push });
        await using var query = App.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var card = (await query.Query<IncidentDetail>().Where(c => c.Number == number).ToListAsync()).Single();
        Assert.Equal(("road-damage", Urgency.High, "东湖区人民路128号", "路面塌陷"), (card.Category, card.Urgency, card.Address, card.Description));
        Assert.Equal((31.2304, 121.4737), (card.Location!.Lat, card.Location.Lon));
        Assert.Equal(card.Id, (await query.LoadAsync<UnitRosterEntry>(unit.Id))!.IncidentId);
    }

    /// <summary>The intake page with the category picked from the list by its first character ("路": road damage).</summary>
    async Task<IPage> IntakeWithRoadDamage()
    {
        var page = await browser.Open("/intake");
        await Focused(page, "#intake-phone");
        await page.Keyboard.PressAsync("Alt+KeyC");
        await page.Keyboard.TypeAsync("路");
        await page.Locator(".mud-popover-open .mud-list-item").First.WaitForAsync(new() { Timeout = Push });
        await page.Keyboard.PressAsync("Tab");
        return page;
    }

    /// <summary>
    /// Issue 19 item 6: typed into the latitude field key by key (not filled), "31.2331, 121.4768" used to end as latitude
    /// 31.233121.4768 and longitude 1. Here in the same class as the sequences, to share their server and browser.
    /// </summary>
    [Fact]
    public async Task Given_a_pair_typed_key_by_key_into_the_latitude_field_Then_both_fields_fill_and_the_filed_incident_is_there()
    {
        var page = await IntakeWithRoadDamage();
        await page.Keyboard.PressAsync("Alt+KeyL");
        await Focused(page, "#intake-lat");

        foreach (var c in "31.2331, 121.4768") await page.Keyboard.TypeAsync(c.ToString());

        var lat = page.Locator("#intake-lat");
        var lon = page.Locator("#intake-lon");
        // While in the field: what was typed, with its other half already in the longitude.
        await page.WaitForFunctionAsync("() => document.querySelector('#intake-lon').value === '121.4768'", null, new() { Timeout = Push });
        Assert.Equal("31.2331, 121.4768", await lat.InputValueAsync());
        await page.Keyboard.PressAsync("Tab");
        await page.WaitForFunctionAsync("() => document.querySelector('#intake-lat').value === '31.2331'", null, new() { Timeout = Push });
        Assert.Equal("121.4768", await lon.InputValueAsync());

        await page.Keyboard.PressAsync("Alt+KeyW");
        await Focused(page, "#intake-description");
        await page.Keyboard.InsertTextAsync("路灯不亮"); // one input, as an input method commits it (see Type)
        await page.Keyboard.PressAsync("Enter");

        var created = page.Locator("[data-testid=intake-created]");
        await created.WaitForAsync(new() { Timeout = Push });
        var number = await created.GetAttributeAsync("data-number");
        await using var query = App.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var card = (await query.Query<IncidentDetail>().Where(c => c.Number == number).ToListAsync()).Single();
        Assert.Equal((31.2331, 121.4768), (card.Location!.Lat, card.Location.Lon));
    }

    [Fact]
    public async Task Given_address_proposals_When_down_and_Enter_pick_the_second_and_Esc_closes_the_list_Then_Enter_files_the_call_as_typed_with_the_picked_point()
    {
        var page = await IntakeWithRoadDamage();
        await page.Keyboard.PressAsync("Alt+KeyA");
        await Focused(page, "#intake-address");
        await page.Keyboard.InsertTextAsync("人民路"); // one input, as an input method commits it (see Type)
        var proposals = page.Locator(".mud-popover-open [data-testid=address-proposal]");
        await proposals.Nth(1).WaitForAsync(new() { Timeout = Push });
        var (lat, lon) = (await proposals.Nth(1).GetAttributeAsync("data-lat"), await proposals.Nth(1).GetAttributeAsync("data-lon"));

        // ↓ moves to the second proposal; Enter picks it (and files nothing): both coordinates, on to the description.
        await page.Keyboard.PressAsync("ArrowDown");
        await page.Keyboard.PressAsync("Enter");
        await Focused(page, "#intake-description");
        Assert.Equal((lat, lon), (await page.Locator("#intake-lat").InputValueAsync(), await page.Locator("#intake-lon").InputValueAsync()));
        Assert.Equal(0, await page.Locator("[data-testid=intake-created]").CountAsync());
        await page.Keyboard.InsertTextAsync("路灯不亮"); // one input, as an input method commits it (see Type)

        // Back in the address, new text: Esc closes its list, and Enter with the list closed files the call as typed.
        await page.Keyboard.PressAsync("Alt+KeyA");
        await Focused(page, "#intake-address");
        await page.Keyboard.PressAsync("Control+KeyA");
        await page.Keyboard.InsertTextAsync("文化宫"); // one input, as an input method commits it (see Type)
        await proposals.First.Filter(new() { HasText = "文化宫" }).WaitForAsync(new() { Timeout = Push });
        await page.Keyboard.PressAsync("Escape");
        await page.Locator(".mud-popover-open [data-testid=address-proposal]").First.WaitForAsync(new() { State = WaitForSelectorState.Detached, Timeout = Push });
        await page.Keyboard.PressAsync("Enter");

        var created = page.Locator("[data-testid=intake-created]");
        await created.WaitForAsync(new() { Timeout = Push });
        var number = await created.GetAttributeAsync("data-number");
        await using var query = App.Services.GetRequiredService<IDocumentStore>().QuerySession();
        var card = (await query.Query<IncidentDetail>().Where(c => c.Number == number).ToListAsync()).Single();
        Assert.Equal("文化宫", card.Address);
        Assert.Equal((lat, lon), (CoordinateText.Format(card.Location!.Lat), CoordinateText.Format(card.Location.Lon)));
    }

    [Fact]
    public async Task Given_an_assigned_incident_When_1_is_pressed_twice_in_a_row_Then_one_unit_is_sent()
    {
        const double lat = 31.2105, lon = 121.4903;
        var incidents = App.Services.GetRequiredService<IncidentService>();
        var reported = Assert.IsType<CommandOutcome.Done>(await incidents.Report(
            new IntakeForm(Channel.Hotline, "张伟", "13812340001", lat, lon, "南江区滨江大道 66 号", "road-damage", "路面塌陷", 3),
            Dispatcher, Guid.NewGuid().ToString()));
        Assert.IsType<CommandOutcome.Done>(await incidents.Handle(Dispatcher, reported.Id, new AcceptIncident(Dispatcher.Login), null));
        Assert.IsType<CommandOutcome.Done>(await incidents.Handle(Dispatcher, reported.Id, new AssignIncident("urban-management", Dispatcher.Login), null));
        var near = await UnitWithPhone("南江-城管-近", lat, lon);
        var far = await UnitWithPhone("南江-城管-远", lat + 0.004, lon);

        var page = await browser.Open($"/?incident={reported.Id}");
        var section = page.Locator("[data-testid=incident-units][data-unit-keys]");
        await section.Locator($"[data-testid=unit-proposed][data-unit='{near.Id}'][data-key='1']").WaitForAsync(new() { Timeout = Push });
        await section.Locator($"[data-testid=unit-proposed][data-unit='{far.Id}'][data-key='2']").WaitForAsync(new() { Timeout = Push });
        await Focused(page, "[data-testid=incident-drawer] [data-autofocus]");

        // 1, and 1 again because the confirmation went unseen.
        await page.Keyboard.PressAsync("Digit1");
        await page.Keyboard.PressAsync("Digit1");

        await section.Locator($"[data-testid=unit-on-incident][data-unit='{near.Id}'], [data-testid=unit-on-incident][data-call-sign='南江-城管-近']")
            .First.WaitForAsync(new() { Timeout = Push });
        await page.Locator("[data-testid=units-key-notice]", new() { HasText = "南江-城管-近 was sent a moment ago" }).WaitForAsync(new() { Timeout = Push });
        // Held in place, marked sent; the far unit keeps its number 2 for the moment.
        Assert.Equal("true", await section.Locator($"[data-testid=unit-proposed][data-unit='{near.Id}']").GetAttributeAsync("data-sent"));
        Assert.Equal("2", await section.Locator($"[data-testid=unit-proposed][data-unit='{far.Id}']").GetAttributeAsync("data-key"));
        // The confirmation toast sits clear of the drawer.
        var toast = await page.Locator(".mud-snackbar").First.BoundingBoxAsync();
        var drawer = await page.Locator("[data-testid=incident-drawer]").BoundingBoxAsync();
        Assert.True(toast!.X + toast.Width <= drawer!.X, $"the toast ({toast.X}+{toast.Width}) covers the drawer (from {drawer.X})");

        // Once the moment has passed the list renumbers: the far unit is 1 now, and it is still free.
        await section.Locator($"[data-testid=unit-proposed][data-unit='{far.Id}'][data-key='1']").WaitForAsync(new() { Timeout = Push });
        await using var query = App.Services.GetRequiredService<IDocumentStore>().QuerySession();
        Assert.Equal(reported.Id, (await query.LoadAsync<UnitRosterEntry>(near.Id))!.IncidentId);
        Assert.Equal(UnitStatus.Available, (await query.LoadAsync<UnitRosterEntry>(far.Id))!.Status);
        Assert.Single((await query.LoadAsync<IncidentCard>(reported.Id))!.Units);
    }

    [Fact]
    public async Task Given_a_board_When_j_k_Enter_and_Esc_are_pressed_Then_the_selection_moves_the_drawer_opens_and_the_focus_returns_and_n_opens_a_new_call()
    {
        var incidents = App.Services.GetRequiredService<IncidentService>();
        async Task<CommandOutcome.Done> Report(int urgency) => Assert.IsType<CommandOutcome.Done>(await incidents.Report(
            new IntakeForm(Channel.Hotline, null, null, 31.2260, 121.4501, "西山区文化宫北门", "noise", "夜间施工", urgency),
            Dispatcher, Guid.NewGuid().ToString()));
        await Report(1);
        await Report(1);
        var page = await browser.Open("/");
        await page.Locator("[data-testid=board-row]").Nth(1).WaitForAsync();
        var ids = await page.Locator("[data-testid=board-row]").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.id)");
        Task Selected(string id) => Focused(page, $"tr[data-id='{id}'][aria-selected=true]");

        await page.Keyboard.PressAsync("j");
        await Selected(ids[0]);
        await page.Keyboard.PressAsync("j");
        await Selected(ids[1]);
        await page.Keyboard.PressAsync("k");
        await Selected(ids[0]);
        await page.Keyboard.PressAsync("Enter");
        await page.Locator($"[data-testid=incident-drawer][data-id='{ids[0]}']").WaitForAsync(new() { Timeout = Push });
        await Focused(page, "[data-testid=incident-drawer] [data-autofocus]");
        await page.Keyboard.PressAsync("Escape");
        await page.Locator("[data-testid=incident-drawer]").WaitForAsync(new() { State = WaitForSelectorState.Detached, Timeout = Push });
        await Selected(ids[0]);

        // A new critical call: highlighted and counted; n opens it wherever it sits.
        var critical = await Report(4);
        await page.Locator($"[data-testid=board-row][data-id='{critical.Id}'][data-fresh=true]").WaitForAsync(new() { Timeout = Push });
        await page.Locator("[data-testid=board-new]", new() { HasText = "1 new" }).WaitForAsync(new() { Timeout = Push });
        await page.ScreenshotAsync(new() { Path = BrowserFixture.ScreenshotPath("board-new.png") });
        await page.Keyboard.PressAsync("n");
        await page.Locator($"[data-testid=incident-drawer][data-id='{critical.Id}']").WaitForAsync(new() { Timeout = Push });
        await page.Locator("[data-testid=board-new]", new() { HasText = "0 new" }).WaitForAsync(new() { Timeout = Push });
    }
}
