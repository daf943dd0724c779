using System.Globalization;
using System.Text.RegularExpressions;
using Dispatch.Domain.Incidents;
using Dispatch.Server.City;
using Dispatch.Server.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Localization;
using Dispatch.Server.Pipeline;
using Marten;
using Microsoft.Extensions.Localization;
using Microsoft.Extensions.Options;

namespace Dispatch.Server.Open311;

/// <summary>
/// Open311 GeoReport v2 under <c>/open311/v2</c> (docs/api.md, "Open311 GeoReport v2"): our categories as services, a
/// citizen's request filed as a web incident through the normal intake, and the published requests — the city's online
/// (web) requests, never a caller's name, phone or e-mail, nor the free text people wrote (it may name someone).
/// </summary>
public static partial class GeoReport
{
    public const string Root = "/open311/v2";
    const int MaxResults = 1000, MaxIds = 100;
    static readonly TimeSpan MaxSpan = TimeSpan.FromDays(90);

    public static void Map(IEndpointRouteBuilder app)
    {
        var v2 = app.MapGroup(Root).DisableAntiforgery().RequireRateLimiting(Open311Setup.RatePolicy);
        v2.MapGet("/services.{format}", Services);
        v2.MapGet("/services/{code}.{format}", Definition);
        v2.MapPost("/requests.{format}", Post);
        v2.MapGet("/requests.{format}", Requests);
        v2.MapGet("/requests/{id}.{format}", Request);
    }

    static IResult? BadFormat(string format) => GeoReportFormat.IsFormat(format)
        ? null
        : GeoReportFormat.Errors(GeoReportFormat.Xml, 404, [new("format", "Ask for .xml or .json.")]);

    /// <summary>A jurisdiction_id, when given, must be this city's (the root of the jurisdiction tree).</summary>
    static IResult? OtherJurisdiction(string format, string? jurisdiction, JurisdictionTree tree) =>
        string.IsNullOrEmpty(jurisdiction) || jurisdiction == tree.City.Code
            ? null
            : GeoReportFormat.Errors(format, 404, [new("jurisdiction_id", $"This endpoint serves only '{tree.City.Code}'.")]);

    static IResult Services(string format, string? jurisdiction_id, CityCatalog city, JurisdictionTree tree, IStringLocalizer<Ui> text)
    {
        if (BadFormat(format) is { } bad) return bad;
        if (OtherJurisdiction(format, jurisdiction_id, tree) is { } other) return other;
        var culture = CultureInfo.CurrentUICulture;
        return GeoReportFormat.List(format, "services", city.Categories.Select(c => new Element("service")
            .With("service_code", c.Code)
            .With("service_name", c.Name(culture))
            .With("description", string.Format(culture, text["open311.service.description"], c.Name(culture)))
            .With("metadata", false)
            .With("type", "realtime")
            .With("keywords", string.Join(", ", new[] { c.Zh, c.En, c.Code }.Where(k => k.Length > 0).Distinct()))
            .With("group", text["open311.service.group"].Value)));
    }

    /// <summary>Our categories ask nothing beyond the standard fields: a definition with no attributes.</summary>
    static IResult Definition(string code, string format, string? jurisdiction_id, CityCatalog city, JurisdictionTree tree)
    {
        if (BadFormat(format) is { } bad) return bad;
        if (OtherJurisdiction(format, jurisdiction_id, tree) is { } other) return other;
        if (!city.CategoryCodes.Contains(code))
            return GeoReportFormat.Errors(format, 404, [new("service_code", $"There is no service '{Short(code)}'.")]);
        return GeoReportFormat.One(format, new Element("service_definition").With("service_code", code).With("attributes", Array.Empty<Element>()));
    }

    static async Task<IResult> Post(string format, HttpContext http, Open311Clients clients, IncidentService incidents, CityCatalog city,
        JurisdictionTree tree, IStringLocalizer<Ui> text, IOptions<Open311Options> options, TimeProvider clock, CancellationToken ct)
    {
        if (BadFormat(format) is { } bad) return bad;
        var (form, unreadable) = await ServiceRequestForm.Read(http.Request, ct);
        // The key first: without a good one nothing else is looked at (403, audited).
        var key = form?["api_key"] ?? http.Request.Query["api_key"].FirstOrDefault();
        if (await clients.Verify(key, ct) is not { } client)
            return GeoReportFormat.Errors(format, 403,
                [new("api_key", string.IsNullOrEmpty(key) ? "Missing api_key: ask the city for a client key." : "Invalid api_key received -- can't proceed with create_request.")]);
        if (form is null) return GeoReportFormat.Errors(format, 400, [unreadable!]);
        if (OtherJurisdiction(format, form["jurisdiction_id"], tree) is { } other) return other;
        if (form["service_code"] is not { } code) return GeoReportFormat.Errors(format, 400, [new("service_code", "Choose a service (GET services).")]);
        if (!city.CategoryCodes.Contains(code))
            return GeoReportFormat.Errors(format, 404, [new("service_code", $"There is no service '{Short(code)}'.")]);

        var (intake, media, errors) = form.Check(city.CategoryName(code, CultureInfo.CurrentUICulture));
        if (intake is null) return GeoReportFormat.Errors(format, 400, errors);

        string? statusToken = null;
        var outcome = await incidents.Report(intake, clients.ActorOf(client), IdempotencyKey(http, client), Via.Open311, ct,
            alsoWrite: (id, number) =>
            {
                var (token, @case) = CitizenCases.Open(id, number, client.Id, media, clock.GetUtcNow());
                statusToken = token;
                return [new StoreDocument(@case, Insert: true)];
            });
        return outcome switch
        {
            CommandOutcome.Done { Created: true } done => GeoReportFormat.List(format, "service_requests",
            [
                new Element("request")
                    .With("service_request_id", done.Number)
                    .With("service_notice", string.Format(CultureInfo.CurrentUICulture, text["open311.notice"], done.Number,
                        StatusUrl(http, options.Value, statusToken!)))
                    .With("account_id", form["account_id"]),
            ]),
            // A retry with the same Idempotency-Key: the request exists; its status link was given the first time.
            CommandOutcome.Done done => GeoReportFormat.List(format, "service_requests",
                [new Element("request").With("service_request_id", done.Number).With("service_notice", null).With("account_id", form["account_id"])]),
            CommandOutcome.Invalid invalid => GeoReportFormat.Errors(format, 400,
                invalid.Errors.Select(e => new GeoReportError(ServiceRequestForm.SpecName(e.Field), e.Message))),
            CommandOutcome.Refused refused => GeoReportFormat.Errors(format, 400, [new(null, refused.Refusal.Code)]),
            _ => GeoReportFormat.Errors(format, 400, [new(null, "The request could not be filed.")]),
        };
    }

    /// <summary>An optional Idempotency-Key header makes a retried POST file one request, per client.</summary>
    static string? IdempotencyKey(HttpContext http, Open311Client client) =>
        http.Request.Headers["Idempotency-Key"].FirstOrDefault() is { Length: > 0 and <= 100 } key && Dispatch.Domain.FreeText.Problem(key) is null
            ? $"open311:{client.Id}:{key}"
            : null;

    public static string StatusUrl(HttpContext http, Open311Options options, string token)
    {
        var root = options.PublicBaseUrl is { Length: > 0 } configured ? configured.TrimEnd('/') : $"{http.Request.Scheme}://{http.Request.Host}";
        return $"{root}/status/{token}";
    }

    static async Task<IResult> Requests(string format, HttpContext http, IQuerySession query, CityCatalog city, JurisdictionTree tree,
        IStringLocalizer<Ui> text, TimeProvider clock, CancellationToken ct)
    {
        if (BadFormat(format) is { } bad) return bad;
        var q = http.Request.Query;
        if (q.Keys.FirstOrDefault(k => q[k].Count > 1 || q[k].ToString().Length > 4000) is { } repeated)
            return GeoReportFormat.Errors(format, 400, [new(ServiceRequestForm.Shown(repeated), "Send this parameter once, at most 4000 characters.")]);
        // Nothing the store would refuse (a NUL) or that is not text reaches a query.
        if (q.Keys.FirstOrDefault(k => Dispatch.Domain.FreeText.Problem(q[k].ToString()) is not null || q[k].ToString().Any(char.IsSurrogate)) is { } unreadable)
            return GeoReportFormat.Errors(format, 400, [new(ServiceRequestForm.Shown(unreadable), "The value contains a control character.")]);
        if (OtherJurisdiction(format, q["jurisdiction_id"], tree) is { } other) return other;
        var errors = new List<GeoReportError>();

        var cards = query.Query<IncidentCard>().Where(c => c.Channel == Channel.Web);
        if (List(q["service_request_id"]) is { Count: > 0 } ids)
        {
            // The ids override every other argument (the specification's rule).
            if (ids.Count > MaxIds) return GeoReportFormat.Errors(format, 400, [new("service_request_id", $"At most {MaxIds} ids at once.")]);
            cards = cards.Where(c => ids.Contains(c.Number));
        }
        else
        {
            var codes = List(q["service_code"]);
            foreach (var unknown in codes.Where(c => !city.CategoryCodes.Contains(c)).Take(5))
                errors.Add(new("service_code", $"There is no service '{Short(unknown)}'."));
            var statuses = List(q["status"]);
            foreach (var wrong in statuses.Where(s => s is not ("open" or "closed")).Take(5))
                errors.Add(new("status", $"'{Short(wrong)}' is not a status: open or closed."));
            var start = Date("start_date", q["start_date"], errors, city);
            var end = Date("end_date", q["end_date"], errors, city);
            if (errors.Count > 0) return GeoReportFormat.Errors(format, 400, errors);
            var now = clock.GetUtcNow();
            (start, end) = (start, end) switch
            {
                (null, null) => (now - MaxSpan, now),
                ({ } s, null) => (s, s + MaxSpan),
                (null, { } e) => (e - MaxSpan, e),
                _ => (start, end),
            };
            if (end < start) return GeoReportFormat.Errors(format, 400, [new("end_date", "end_date is before start_date.")]);
            if (end - start > MaxSpan) return GeoReportFormat.Errors(format, 400, [new("end_date", "A search spans at most 90 days.")]);
            var from = start!.Value;
            var to = end!.Value;
            cards = cards.Where(c => c.ReportedAt >= from && c.ReportedAt <= to);
            if (codes.Count > 0) cards = cards.Where(c => codes.Contains(c.Category));
            if (statuses.Distinct().Count() == 1)
            {
                var closed = statuses[0] == "closed";
                cards = closed ? cards.Where(c => ClosedStates.Contains(c.State)) : cards.Where(c => !ClosedStates.Contains(c.State));
            }
        }
        var found = await cards.OrderByDescending(c => c.ReportedAt).Take(MaxResults).ToListAsync(ct);
        var cases = (await query.LoadManyAsync<Open311Case>(ct, found.Select(c => c.Id))).ToDictionary(c => c.Id);
        return GeoReportFormat.List(format, "service_requests", found.Select(c => View(c, cases.GetValueOrDefault(c.Id), city, text)));
    }

    static async Task<IResult> Request(string id, string format, HttpContext http, IQuerySession query, CityCatalog city, JurisdictionTree tree,
        IStringLocalizer<Ui> text, CancellationToken ct)
    {
        if (BadFormat(format) is { } bad) return bad;
        if (OtherJurisdiction(format, http.Request.Query["jurisdiction_id"], tree) is { } other) return other;
        var card = id.Length <= 40 && Dispatch.Domain.FreeText.Problem(id) is null ? await query.Query<IncidentCard>().FirstOrDefaultAsync(c => c.Number == id && c.Channel == Channel.Web, ct) : null;
        if (card is null) return GeoReportFormat.Errors(format, 404, [new("service_request_id", $"There is no request '{Short(id)}'.")]);
        var @case = await query.LoadAsync<Open311Case>(card.Id, ct);
        return GeoReportFormat.List(format, "service_requests", [View(card, @case, city, text)]);
    }

    /// <summary>Open311's "closed": resolved (and after), cancelled or merged into another.</summary>
    public static readonly IncidentState[] ClosedStates =
        [IncidentState.Resolved, IncidentState.Closed, IncidentState.Cancelled, IncidentState.Merged];

    /// <summary>
    /// One published request: what is public about the matter (service, place, state, agency, times) and nothing about
    /// the person who reported it; status_notes are the platform's own words per state, not the staff's free text.
    /// </summary>
    static Element View(IncidentCard c, Open311Case? @case, CityCatalog city, IStringLocalizer<Ui> text)
    {
        var culture = CultureInfo.CurrentUICulture;
        var agency = c.LeadDepartment is null ? null : city.DepartmentName(c.LeadDepartment, culture);
        return new Element("request")
            .With("service_request_id", c.Number)
            .With("status", ClosedStates.Contains(c.State) ? "closed" : "open")
            .With("status_notes", StatusNote(c.State, agency, text))
            .With("service_name", city.CategoryName(c.Category, culture))
            .With("service_code", c.Category)
            .With("agency_responsible", agency)
            .With("service_notice", null)
            .With("requested_datetime", W3(city, c.ReportedAt))
            .With("updated_datetime", W3(city, c.UpdatedAt))
            .With("address", c.Address)
            .With("lat", c.Location?.Lat)
            .With("long", c.Location?.Lon)
            .With("media_url", @case?.MediaUrl);
    }

    public static string StatusNote(IncidentState state, string? agency, IStringLocalizer<Ui> text) =>
        string.Format(CultureInfo.CurrentUICulture, text[$"open311.note.{state}"], agency ?? text["open311.agency.none"]);

    /// <summary>W3C date and time in the city's zone, with its offset (2026-12-06T12:05:00+08:00).</summary>
    public static string W3(CityCatalog city, DateTimeOffset at) =>
        city.ToLocal(at).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);

    static List<string> List(string? value) =>
        string.IsNullOrWhiteSpace(value) ? [] : [.. value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Distinct()];

    /// <summary>A W3C date or date-time; a time must carry its zone (Z or ±hh:mm), a bare date is the city's midnight.</summary>
    static DateTimeOffset? Date(string field, string? value, List<GeoReportError> errors, CityCatalog city)
    {
        if (string.IsNullOrEmpty(value)) return null;
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) && day.Year is >= 1900 and <= 9000)
        {
            var local = day.ToDateTime(TimeOnly.MinValue);
            return new DateTimeOffset(local, city.TimeZone.GetUtcOffset(local));
        }
        if (Zoned().IsMatch(value) && DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at))
        {
            // Far enough from the calendar's ends that a 90-day span around it exists.
            if (at.UtcDateTime.Year is >= 1900 and <= 9000) return at;
            errors.Add(new(field, "Give a date between the years 1900 and 9000."));
            return null;
        }
        errors.Add(new(field, "A W3C date-time with its time zone, e.g. 2026-12-01T00:00:00Z or 2026-12-01T08:00:00+08:00."));
        return null;
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex Zoned();

    static string Short(string s)
    {
        var shown = ServiceRequestForm.Shown(s);
        return shown.Length > 40 ? shown[..40] + "…" : shown;
    }
}
