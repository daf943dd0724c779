using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using static Dispatch.Domain.Tests.IncidentSpec;

namespace Dispatch.Domain.Tests;

/// <summary>
/// Photos of the scene: attached by a department that leads or assists the incident, while it is not finished; the
/// photo's kind is told by its first bytes.
/// </summary>
public class PhotoTests
{
    static readonly Guid PhotoId = Guid.Parse("5d3c2b1a-0f9e-4d8c-b7a6-112233445566");
    const string Fire = "消防";

    static AttachPhoto Photo(string department = UrbanManagement, string contentType = PhotoFormat.Jpeg, long size = 48_213,
        string? caption = "井盖缺失现场") => new(department, PhotoId, contentType, size, caption, Handler);

    static IncidentAssigned AssignedWithAssisting() => new(Id, UrbanManagement, Dispatcher, Earlier, [Water]);

    // ---- accepted -----------------------------------------------------------------------------------------

    [Theory]
    [InlineData(IncidentState.Assigned)]
    [InlineData(IncidentState.Acknowledged)]
    [InlineData(IncidentState.Resolved)]
    public void The_lead_department_attaches_a_photo_while_it_works_on_the_incident(IncidentState state)
    {
        var after = Given(HistoryIn(state))
            .When(Photo())
            .Then(new IncidentPhotoAttached(Id, PhotoId, UrbanManagement, PhotoFormat.Jpeg, 48_213, "井盖缺失现场", Handler, Now));

        // A photo is a trace, not a step: the incident stays where it was.
        Assert.Equal(state, after.State);
    }

    [Fact]
    public void An_assisting_department_attaches_a_photo_too()
    {
        Given(Reported(), Accepted(), AssignedWithAssisting())
            .When(Photo(Water, PhotoFormat.WebP, 1_024, caption: null))
            .Then(new IncidentPhotoAttached(Id, PhotoId, Water, PhotoFormat.WebP, 1_024, null, Handler, Now));
    }

    [Theory]
    [InlineData("  围挡已设置  ", "围挡已设置")]
    [InlineData("   ", null)]
    [InlineData("", null)]
    public void The_caption_is_trimmed_and_a_blank_one_is_none(string caption, string? kept)
    {
        Given(HistoryIn(IncidentState.Acknowledged))
            .When(Photo(contentType: PhotoFormat.Png, caption: caption))
            .Then(new IncidentPhotoAttached(Id, PhotoId, UrbanManagement, PhotoFormat.Png, 48_213, kept, Handler, Now));
    }

    // ---- refused ------------------------------------------------------------------------------------------

    [Theory]
    [InlineData(IncidentState.Reported)]
    [InlineData(IncidentState.Accepted)]
    public void No_department_attaches_a_photo_before_the_incident_is_assigned(IncidentState state)
    {
        var refusal = Given(HistoryIn(state)).When(Photo()).ThenRefused("photo.not-involved");

        Assert.Equal($"{UrbanManagement} neither leads nor assists incident {Number}: only its departments attach photos to it.",
            refusal.Message);
    }

    [Fact]
    public void A_department_that_neither_leads_nor_assists_is_refused()
    {
        var refusal = Given(Reported(), Accepted(), AssignedWithAssisting()).When(Photo(Fire)).ThenRefused("photo.not-involved");

        Assert.StartsWith(Fire, refusal.Message);
    }

    [Fact]
    public void A_department_that_returned_the_incident_no_longer_attaches_photos()
    {
        Given([.. HistoryIn(IncidentState.Acknowledged), Returned()])
            .When(Photo())
            .ThenRefused("photo.not-involved");
    }

    [Fact]
    public void An_assisting_department_that_returned_its_part_no_longer_attaches_photos()
    {
        Given(Reported(), Accepted(), AssignedWithAssisting(), Returned(Water))
            .When(Photo(Water))
            .ThenRefused("photo.not-involved");
    }

    [Fact]
    public void A_closed_incident_takes_no_more_photos() =>
        Assert.Equal($"Incident {Number} is closed; reopen it first.",
            Given(HistoryIn(IncidentState.Closed)).When(Photo()).ThenRefused("incident.closed").Message);

    [Fact]
    public void A_cancelled_incident_takes_no_photos() =>
        Given(HistoryIn(IncidentState.Cancelled)).When(Photo()).ThenRefused("incident.cancelled");

    [Fact]
    public void A_merged_incident_takes_no_photos_they_belong_on_its_target()
    {
        var merged = new IncidentMergedInto(Id, Guid.Parse("0a9e3c1d-5b7f-4e2a-8c6d-1f2e3d4c5b6a"), "20261123-0017", Dispatcher, Earlier);

        var refusal = Given([.. HistoryIn(IncidentState.Acknowledged), merged]).When(Photo()).ThenRefused("incident.merged");

        Assert.Contains("20261123-0017", refusal.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void An_empty_photo_is_refused(long size) =>
        Given(HistoryIn(IncidentState.Acknowledged)).When(Photo(size: size)).ThenRefused("photo.empty");

    [Theory]
    [InlineData("image/gif")]
    [InlineData("application/octet-stream")]
    [InlineData("image/svg+xml")]
    public void Only_jpeg_png_and_webp_are_photos(string contentType)
    {
        var refusal = Given(HistoryIn(IncidentState.Acknowledged)).When(Photo(contentType: contentType)).ThenRefused("photo.type");

        Assert.Contains(contentType, refusal.Message);
    }

    [Fact]
    public void A_caption_longer_than_the_limit_is_refused()
    {
        var refusal = Given(HistoryIn(IncidentState.Acknowledged))
            .When(Photo(caption: new string('字', PhotoFormat.CaptionMaxLength + 1)))
            .ThenRefused("photo.caption-too-long");

        Assert.Contains("200", refusal.Message);
    }

    // ---- access and format --------------------------------------------------------------------------------

    [Fact]
    public void Attaching_a_photo_is_progress_work_in_the_departments_name() =>
        Assert.Equal((IncidentAction.Progress, Water), AccessRules.ActionOf(Photo(Water)));

    [Theory]
    [InlineData(Role.Handler, UrbanManagement, true)]
    [InlineData(Role.FieldUnit, UrbanManagement, true)]
    [InlineData(Role.Handler, Water, false)]
    [InlineData(Role.Dispatcher, null, false)]
    [InlineData(Role.Leader, null, false)]
    [InlineData(Role.CallTaker, null, false)]
    public void Handlers_and_units_attach_photos_in_their_own_departments_name(Role role, string? department, bool allowed)
    {
        var actor = new Actor("someone", "Someone", [new Grant(role, "demo", department)]);

        Assert.Equal(allowed, AccessRules.Allows(actor, Photo(UrbanManagement), new IncidentScope("demo/dh/dh-01", UrbanManagement)));
    }

    public static TheoryData<byte[], string?> Heads => new()
    {
        { [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13], PhotoFormat.Png },
        { [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, (byte)'J', (byte)'F', (byte)'I', (byte)'F', 0, 1], PhotoFormat.Jpeg },
        { "RIFF\u0024\0\0\0WEBPVP8 "u8.ToArray(), PhotoFormat.WebP },
        // An executable or a text file is no photo, whatever it is called or declared as.
        { "MZ\u0090\0\u0003\0\0\0\u0004\0\0\0"u8.ToArray(), null },
        { "井盖照片.jpg"u8.ToArray(), null },
        { "RIFF\u0024\0\0\0WAVEfmt "u8.ToArray(), null },
        { [0x89, 0x50, 0x4E, 0x47], null },
        { [0xFF, 0xD8], null },
        { [], null },
    };

    [Theory, MemberData(nameof(Heads))]
    public void A_photo_is_known_by_its_first_bytes(byte[] head, string? contentType) =>
        Assert.Equal(contentType, PhotoFormat.Sniff(head));

    [Theory]
    [InlineData(1, "1 byte")]
    [InlineData(812, "812 bytes")]
    [InlineData(4096, "4 KB")]
    [InlineData(48_213, "47.1 KB")]
    [InlineData(5 * 1024 * 1024, "5 MB")]
    [InlineData(1_572_864, "1.5 MB")]
    public void A_size_reads_in_words(long bytes, string words) =>
        Assert.Equal(words, PhotoFormat.SizeInWords(bytes));
}
