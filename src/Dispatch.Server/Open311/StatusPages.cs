using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Dispatch.Domain;
using Dispatch.Domain.Incidents;
using Dispatch.Server.City;
using Dispatch.Server.Incidents;
using Dispatch.Server.Localization;
using Microsoft.Extensions.Localization;

namespace Dispatch.Server.Open311;

/// <summary>
/// The citizen's pages, public and without sign-in: <c>/status/{token}</c> (where the case stands, its steps, and once it
/// is resolved the rating link) and <c>/rate/{token}</c> (the one-time rating form). A wrong, used or expired token is a
/// 404, kept in the audit trail. Nothing personal is shown: no caller, no description, no staff names or notes.
/// </summary>
public static class StatusPages
{
    public const int MaxComment = 500;

    public static void Map(IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup("").DisableAntiforgery().RequireRateLimiting(Open311Setup.RatePolicy).AddEndpointFilter(async (context, next) =>
        {
            // The token is in the address: no cache keeps the page, and no link followed from it carries the address on.
            context.HttpContext.Response.Headers.CacheControl = "no-store";
            context.HttpContext.Response.Headers["Referrer-Policy"] = "no-referrer";
            return await next(context);
        });
        pages.MapGet("/status/{token}", Status);
        pages.MapGet("/rate/{token}", RatingForm);
        pages.MapPost("/rate/{token}", Rate);
    }

    static async Task<IResult> Status(string token, CitizenCases cases, CityCatalog city, IStringLocalizer<Ui> text, Messages messages,
        CancellationToken ct)
    {
        if (await cases.Status(token, ct) is not { } view) return NotFound(text);
        var culture = CultureInfo.CurrentUICulture;
        var card = view.Card;
        var agency = card.LeadDepartment is null ? null : city.DepartmentName(card.LeadDepartment, culture);
        var open = !GeoReport.ClosedStates.Contains(card.State);
        var body = new StringBuilder();
        body.Append($"<h1>{E(text["open311.page.case"])} {E(card.Number)}</h1>");
        body.Append("<dl>");
        Row(text["open311.page.service"], city.CategoryName(card.Category, culture));
        Row(text["open311.page.status"], $"{(open ? text["open311.status.open"] : text["open311.status.closed"])} · {messages.State(card.State)}");
        Row(text["open311.page.notes"], GeoReport.StatusNote(card.State, agency, text));
        if (card.Address is not null) Row(text["open311.page.address"], card.Address);
        Row(text["open311.page.requested"], Local(city, card.ReportedAt));
        Row(text["open311.page.updated"], Local(city, card.UpdatedAt));
        body.Append("</dl>");
        body.Append($"<h2>{E(text["open311.page.steps"])}</h2><ol class=\"steps\">");
        foreach (var step in view.Detail.Timeline.Select(t => (t.At, Step: PublicStep(t, city, text))).Where(s => s.Step is not null))
            body.Append($"<li><time>{E(Local(city, step.At))}</time> {E(step.Step!)}</li>");
        body.Append("</ol>");
        if (view.RatingToken is { } rating)
            body.Append($"<p class=\"rate\"><a href=\"/rate/{E(rating)}\">{E(text["open311.page.rate"])}</a> " +
                        $"<small>{E(string.Format(culture, text["open311.page.rate-until"], Local(city, view.RatingUntil!.Value)))}</small></p>");
        else if (view.Case.RatedAt is not null || view.Detail.CallbackRecorded)
            body.Append($"<p>{E(text["open311.page.rated"])}</p>");
        return Page(text["open311.page.title"], body.ToString());

        void Row(string label, string value) => body.Append($"<dt>{E(label)}</dt><dd>{E(value)}</dd>");
    }

    /// <summary>The steps a citizen may read, in the platform's words: the department's name, never a person's.</summary>
    static string? PublicStep(TimelineEntry t, CityCatalog city, IStringLocalizer<Ui> text)
    {
        var department = t.Department is null ? "" : city.DepartmentName(t.Department, CultureInfo.CurrentUICulture);
        return t.Kind switch
        {
            "Reported" or "Accepted" or "Assigned" or "Acknowledged" or "Resolved" or "CallbackRecorded" or "Closed" or "Reopened"
                or "Cancelled" or "MergedInto" or "Escalated" or "EscalatedAutomatically" =>
                string.Format(CultureInfo.CurrentUICulture, text[$"open311.step.{t.Kind}"], department),
            _ => null,
        };
    }

    static async Task<IResult> RatingForm(string token, CitizenCases cases, CityCatalog city, IStringLocalizer<Ui> text, CancellationToken ct)
    {
        if (await cases.Rating(token, ct) is not ({ } view, null)) return NotFound(text);
        var culture = CultureInfo.CurrentUICulture;
        var body = new StringBuilder();
        body.Append($"<h1>{E(text["open311.page.rate"])}</h1>");
        body.Append($"<p>{E(text["open311.page.case"])} {E(view.Card.Number)} · {E(city.CategoryName(view.Card.Category, culture))}</p>");
        body.Append($"<form method=\"post\" action=\"/rate/{E(token)}\"><fieldset><legend>{E(text["open311.page.satisfaction"])}</legend>");
        for (var score = 5; score >= 1; score--)
            body.Append($"<label><input type=\"radio\" name=\"satisfaction\" value=\"{score}\" required> {E(text[$"open311.score.{score}"])}</label><br>");
        body.Append($"</fieldset><label>{E(text["open311.page.comment"])}<br><textarea name=\"comment\" maxlength=\"{MaxComment}\" rows=\"4\"></textarea></label>");
        body.Append($"<p><button type=\"submit\">{E(text["open311.page.send"])}</button></p></form>");
        return Page(text["open311.page.rate"], body.ToString());
    }

    static async Task<IResult> Rate(string token, HttpContext http, CitizenCases cases, IStringLocalizer<Ui> text, CancellationToken ct)
    {
        int? satisfaction = null;
        string? comment = null;
        var bad = (string?)null;
        if (http.Request.HasFormContentType && http.Request.ContentLength is null or <= 16 * 1024)
        {
            try
            {
                var form = await http.Request.ReadFormAsync(ct);
                satisfaction = int.TryParse(form["satisfaction"].ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s is >= 1 and <= 5 ? s : null;
                comment = form["comment"].ToString().Trim();
                if (comment.Length == 0) comment = null;
            }
            catch (Exception e) when (e is InvalidDataException or IOException or BadHttpRequestException or ArgumentException) { bad = "body"; }
        }
        else bad = "body";
        if (satisfaction is null) bad ??= "satisfaction";
        if (comment is not null && (comment.Length > MaxComment || FreeText.Problem(comment) is not null || comment.Any(char.IsSurrogate)))
            bad ??= "comment";
        if (bad is not null)
            return Results.ValidationProblem(new Dictionary<string, string[]> { [bad] = [text[$"open311.rate.bad.{bad}"].Value] });
        if (await cases.Rate(token, satisfaction!.Value, comment, ct) is not null) return NotFound(text);
        return Page(text["open311.page.thanks"], $"<h1>{E(text["open311.page.thanks"])}</h1><p>{E(text["open311.page.thanks-more"])}</p>");
    }

    static IResult NotFound(IStringLocalizer<Ui> text) =>
        Page(text["open311.page.notfound"], $"<h1>{E(text["open311.page.notfound"])}</h1><p>{E(text["open311.page.notfound-more"])}</p>", 404);

    static IResult Page(string title, string body, int status = 200)
    {
        var html = "<!DOCTYPE html>\n" +
                   $"<html lang=\"{E(CultureInfo.CurrentUICulture.Name)}\"><head><meta charset=\"utf-8\">" +
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"robots\" content=\"noindex\">" +
                   $"<title>{E(title)}</title><style>{Style}</style></head><body>{body}</body></html>";
        return Results.Text(html, "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    const string Style = "body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}" +
                         "dt{font-weight:600}dd{margin:0 0 .5rem}.steps time{color:#555;margin-right:.5rem}.rate a{font-weight:600}";

    static string Local(CityCatalog city, DateTimeOffset at) => city.ToLocal(at).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>HTML-encoded, with Chinese and other letters left as they are (the page is UTF-8).</summary>
    static string E(string? s) => Encoder.Encode(s ?? "");

    static readonly HtmlEncoder Encoder = HtmlEncoder.Create(System.Text.Unicode.UnicodeRanges.All);
}
