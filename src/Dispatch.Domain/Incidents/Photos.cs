using System.Globalization;

namespace Dispatch.Domain.Incidents;

/// <summary>
/// Attach a photo of the scene, for a department that leads or assists the incident. The bytes are not part of the
/// command or the event: the command path stores them beside the event, in the same transaction, under
/// <paramref name="PhotoId"/>. <paramref name="ContentType"/> is what the bytes are (<see cref="PhotoFormat.Sniff"/>),
/// never what the sender declared.
/// </summary>
public sealed record AttachPhoto(string Department, Guid PhotoId, string ContentType, long Size, string? Caption, string By)
    : IncidentCommand(By);

/// <summary>A photo of the scene was attached; its bytes are stored apart under <paramref name="PhotoId"/>.</summary>
public sealed record IncidentPhotoAttached(Guid IncidentId, Guid PhotoId, string Department, string ContentType, long Size,
    string? Caption, string By, DateTimeOffset At) : IIncidentEvent;

/// <summary>What a photo may be: JPEG, PNG or WebP, recognized by the file's first bytes (its "magic").</summary>
public static class PhotoFormat
{
    public const string Jpeg = "image/jpeg", Png = "image/png", WebP = "image/webp";

    public static readonly IReadOnlyList<string> Allowed = [Jpeg, Png, WebP];

    /// <summary>The allowed kinds as people name them, for messages.</summary>
    public const string AllowedInWords = "JPEG, PNG or WebP";

    /// <summary>How many leading bytes <see cref="Sniff"/> needs to tell every allowed kind.</summary>
    public const int HeadLength = 12;

    public const int CaptionMaxLength = 200;

    static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    static ReadOnlySpan<byte> JpegSignature => [0xFF, 0xD8, 0xFF];
    static ReadOnlySpan<byte> Riff => "RIFF"u8;
    static ReadOnlySpan<byte> Webp => "WEBP"u8;

    /// <summary>
    /// The content type of an image by its first bytes: JPEG (FF D8 FF), PNG (its 8-byte signature) or WebP
    /// (RIFF….WEBP); null for anything else, whatever its name or declared type says.
    /// </summary>
    public static string? Sniff(ReadOnlySpan<byte> head) =>
        head.StartsWith(PngSignature) ? Png
        : head.StartsWith(JpegSignature) ? Jpeg
        : head.Length >= 12 && head[..4].SequenceEqual(Riff) && head[8..12].SequenceEqual(Webp) ? WebP
        : null;

    /// <summary>A size as people say it: 812 bytes, 4 KB, 1.5 MB (1 KB = 1,024 bytes).</summary>
    public static string SizeInWords(long bytes) => bytes switch
    {
        >= 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024d * 1024):0.#} MB"),
        >= 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024d:0.#} KB"),
        1 => "1 byte",
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes"),
    };
}

/// <summary>The rule for photos, pure like the rest of <see cref="IncidentDecider"/>.</summary>
public static class IncidentPhotos
{
    /// <summary>
    /// Closed, cancelled and merged incidents are screened before this (incident.closed, incident.cancelled,
    /// incident.merged): what is finished takes no more photos, but for the finder's own (a grid report closed on the spot
    /// gets its photo after). Here: a real photo, of a department that works on it or of the worker who found it.
    /// </summary>
    public static Decision Attach(Incident i, AttachPhoto c, DateTimeOffset now)
    {
        if (c.Size <= 0)
            return Decision.Refuse("photo.empty", "The photo for incident {0} is empty.", i.Number);
        if (!PhotoFormat.Allowed.Contains(c.ContentType))
            return Decision.Refuse("photo.type",
                "A photo of incident {0} must be a JPEG, PNG or WebP image, not {1}.", i.Number, c.ContentType);
        var caption = string.IsNullOrWhiteSpace(c.Caption) ? null : c.Caption.Trim();
        if (caption?.Length > PhotoFormat.CaptionMaxLength)
            return Decision.Refuse("photo.caption-too-long",
                "A caption on incident {0} is at most {1} characters.", i.Number, PhotoFormat.CaptionMaxLength);
        // The worker who found it may, whichever department it went to (FieldReportRules.IsFindersPhoto).
        if (!FieldReportRules.IsFindersPhoto(i, c) && (string.IsNullOrWhiteSpace(c.Department) || c.Department != i.LeadDepartment && !i.Assisting.Contains(c.Department)))
            return Decision.Refuse("photo.not-involved",
                "{0} neither leads nor assists incident {1}: only its departments attach photos to it.",
                string.IsNullOrWhiteSpace(c.Department) ? "(no department)" : c.Department, i.Number);
        return Decision.Accept(new IncidentPhotoAttached(i.Id, c.PhotoId, c.Department, c.ContentType, c.Size, caption, c.By, now));
    }
}
