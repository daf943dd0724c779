using System.Globalization;
using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using Dispatch.Server.Identity;
using Dispatch.Server.Incidents;
using Dispatch.Server.Localization;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;
using Microsoft.Net.Http.Headers;

using Dispatch.Server.Pipeline;

namespace Dispatch.Server.Photos;

/// <summary>
/// How big a photo may be: <c>Dispatch:Uploads:MaxPhotoBytes</c> (5 MB by default), checked at start-up. The request
/// around it may be <see cref="FormOverhead"/> bigger (multipart framing, caption, department).
/// </summary>
public sealed class PhotoLimits
{
    public const string MaxPhotoBytesKey = "Dispatch:Uploads:MaxPhotoBytes";
    public const long DefaultMaxPhotoBytes = 5 * 1024 * 1024;
    public const long FormOverhead = 16 * 1024;

    public PhotoLimits(long maxPhotoBytes)
    {
        if (maxPhotoBytes <= 0)
            throw new InvalidOperationException($"{MaxPhotoBytesKey} must be a positive number of bytes, e.g. 5242880 (5 MB); it is {maxPhotoBytes}.");
        MaxPhotoBytes = maxPhotoBytes;
    }

    public long MaxPhotoBytes { get; }

    /// <summary>The most a photo upload request may carry: Kestrel stops reading beyond it.</summary>
    public long MaxRequestBytes => MaxPhotoBytes + FormOverhead;

    public string InWords => PhotoFormat.SizeInWords(MaxPhotoBytes);

    /// <summary>Reads and checks the setting; a bad value stops the server with a message naming the key.</summary>
    public static PhotoLimits From(IConfiguration configuration) => configuration[MaxPhotoBytesKey] switch
    {
        null or "" => new PhotoLimits(DefaultMaxPhotoBytes),
        var text when long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) && bytes > 0 => new PhotoLimits(bytes),
        var text => throw new InvalidOperationException(
            $"{MaxPhotoBytesKey} must be a positive whole number of bytes, e.g. 5242880 (5 MB); it is '{text}'."),
    };
}

/// <summary>
/// Photos of the scene, stored with the incident: <c>POST /api/incidents/{id}/photos</c> (multipart/form-data, the file in
/// the field <c>photo</c>) and <c>GET /api/incidents/{id}/photos/{photoId}</c>. Attaching goes through the incident command
/// path (<see cref="IncidentService.Handle"/>): the same access check (403, audited), rules (422), audit entry and change
/// notice, with the bytes written in the transaction that appends <see cref="IncidentPhotoAttached"/>.
/// </summary>
public static class PhotoApi
{
    public const string Field = "photo";

    public static WebApplicationBuilder AddPhotos(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(PhotoLimits.From(builder.Configuration));
        builder.Services.AddSingleton<PhotoStore>();
        return builder;
    }

    public static IEndpointRouteBuilder MapPhotoApi(this IEndpointRouteBuilder app)
    {
        var limits = app.ServiceProvider.GetRequiredService<PhotoLimits>();
        // Multipart bodies can be sent by a cross-site form, but not with our cookie: it is SameSite=Strict, so such a
        // request arrives signed out (401). Hence no anti-forgery token here either, as for the rest of the API.
        var api = app.MapGroup("/api/incidents/{id:guid}/photos").DisableAntiforgery().RequireActor()
            .RequireRateLimiting(IdentitySetup.ApiPolicy);
        api.MapPost("", Attach)
            // Kestrel refuses a declared body above this before reading it, and stops reading a chunked one there.
            .WithMetadata(new RequestSizeLimitAttribute(limits.MaxRequestBytes))
            .WithFormOptions(multipartBodyLengthLimit: limits.MaxRequestBytes, valueCountLimit: 16);
        api.MapGet("/{photoId:guid}", Photo);
        return app;
    }

    static async Task<IResult> Attach(Guid id, HttpContext http, IncidentService incidents, PhotoLimits limits,
        IStringLocalizer<Ui> text, Messages messages, TimeProvider clock, CancellationToken ct)
    {
        if (!MediaTypeHeaderValue.TryParse(http.Request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
            return Problem(415, "Send multipart/form-data", Field, text["field.photo.multipart"]);

        IFormCollection form;
        try
        {
            form = await http.Request.ReadFormAsync(ct);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return TooLarge(limits, text);
        }
        // Too many fields ("Form value count limit 16 exceeded") is not a photo too large: it is the unreadable form below.
        catch (InvalidDataException e) when (e.Message.Contains("limit", StringComparison.OrdinalIgnoreCase)
                                             && !e.Message.Contains("count limit", StringComparison.OrdinalIgnoreCase))
        {
            return TooLarge(limits, text);
        }
        // A body cut off before the closing boundary is an IOException ("Unexpected end of Stream").
        catch (Exception e) when (e is InvalidDataException or BadHttpRequestException or IOException)
        {
            return Problem(400, "Unreadable form", Field, text["field.photo.unreadable"]);
        }

        // The form is not JSON, so the text rule is checked here (a NUL would reach PostgreSQL).
        foreach (var (name, value) in form)
            if (Dispatch.Domain.FreeText.Problem(value.ToString()) is { } bad)
                return Problem(400, "Control character", name, bad);

        var file = form.Files.GetFile(Field);
        if (file is null) return Problem(400, "No photo", Field, text["field.photo.required"]);
        if (file.Length == 0) return Problem(400, "No photo", Field, text["field.photo.empty"]);
        if (file.Length > limits.MaxPhotoBytes) return TooLarge(limits, text);

        var bytes = new byte[file.Length];
        await using (var stream = file.OpenReadStream()) await stream.ReadExactlyAsync(bytes, ct);
        // What the bytes are, not what the sender says they are (name and declared type are ignored).
        if (PhotoFormat.Sniff(bytes) is not { } contentType)
            return Problem(415, "Not a photo", Field, text["field.photo.type"]);

        var caption = form["caption"].ToString();
        if (caption.Trim().Length > PhotoFormat.CaptionMaxLength)
            return Problem(400, "Caption too long", "caption", text["field.caption.too-long", PhotoFormat.CaptionMaxLength]);

        var actor = http.Actor();
        var department = form["department"].ToString().Trim();
        if (department.Length == 0)
        {
            // A handler or unit of one department need not say which; one of several must.
            var mine = AccessRules.GrantsFor(actor, IncidentAction.Progress).Select(g => g.Department).OfType<string>().Distinct().ToList();
            if (mine.Count > 1)
                return Problem(400, "Which department?", "department", text["field.department.photo", string.Join(", ", mine)]);
            department = mine.SingleOrDefault() ?? "";
        }

        var photoId = Guid.CreateVersion7(clock.GetUtcNow());
        var outcome = await incidents.Attach(actor, id,
            new AttachPhoto(department, photoId, contentType, bytes.LongLength, caption, actor.Login), bytes, Via.Api, ct);
        return outcome is CommandOutcome.Done done
            ? TypedResults.Created($"/api/incidents/{id}/photos/{photoId}", new { photoId, done.Version })
            : IncidentApi.ToResult(outcome, messages);
    }

    /// <summary>The photo's bytes, for whoever may read the incident; served as what they are, never sniffed as something else.</summary>
    static async Task<IResult> Photo(Guid id, Guid photoId, HttpContext http, IncidentReaders readers, PhotoStore photos, CancellationToken ct)
    {
        var read = await readers.For(http.Actor()).Detail(id, ct: ct);
        if (read is not IncidentRead.Shown { Detail: var detail }) return IncidentApi.ReadResult(read, id, _ => Results.Empty);
        if (await photos.Find(id, photoId, ct) is not { } photo)
            return TypedResults.Problem(statusCode: 404, title: "Unknown photo", detail: $"Incident {detail.Number} has no photo {photoId}.");

        var headers = http.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.ContentDisposition = new ContentDispositionHeaderValue("inline")
        {
            FileName = $"{detail.Number}-{photoId:N}{Extension(photo.ContentType)}",
        }.ToString();
        // A photo never changes; whether the reader may still see it does, so the browser asks again each time (304 then).
        headers.CacheControl = "private, no-cache";
        return TypedResults.File(photo.Bytes, photo.ContentType, entityTag: new EntityTagHeaderValue($"\"{photoId:N}\""));
    }

    static string Extension(string contentType) => contentType switch
    {
        PhotoFormat.Png => ".png",
        PhotoFormat.WebP => ".webp",
        _ => ".jpg",
    };

    static IResult TooLarge(PhotoLimits limits, IStringLocalizer<Ui> text) =>
        Problem(413, "Photo too large", Field, text["field.photo.too-large", limits.InWords]);

    /// <summary>A problem that names the field at fault, shaped like a 400 validation problem whatever its status.</summary>
    static IResult Problem(int status, string title, string field, string message) =>
        Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] }, detail: message, statusCode: status, title: title);
}
