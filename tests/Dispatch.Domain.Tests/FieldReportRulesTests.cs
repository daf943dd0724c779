using Dispatch.Domain.Access;
using Dispatch.Domain.Incidents;
using static Dispatch.Domain.Tests.IncidentSpec;

namespace Dispatch.Domain.Tests;

/// <summary>
/// Reports from the field (无呼也应) as pure rules: what a phone's report must look like, the whole loop of a matter fixed
/// on the spot, the finder's photos, and a report taken at a desk that does not cover the place (无差别受理).
/// </summary>
public class FieldReportRulesTests
{
    const string Worker = "grid.zhang";
    const string Cell = "demo/dh/dh-01/dh-01-03", Town = "demo/dh/dh-01", OtherTown = "demo/dh/dh-02";
    static readonly Place InCell = new(Cell, "dh", "dh-01", "dh-01-03");
    static readonly IReadOnlySet<string> Categories = new HashSet<string> { "roads.manhole" };

    static FieldReportForm Form() => new(Guid.NewGuid(), Now.AddMinutes(-10), "roads.manhole", "井盖缺失", 31.23, 121.47, 5);

    static ReportIncident Found(bool fixedOnSpot = false, string? receivedAt = Town) =>
        new(Id, Number, Channel.Grid, new Caller(null, null), new GeoPoint(31.23, 121.47), null, "roads.manhole", "井盖缺失",
            Urgency.Normal, Worker, InCell, receivedAt, null,
            new Finder(Guid.NewGuid(), Guid.NewGuid(), "网格-01", UrbanManagement, Worker, Now.AddMinutes(-10), fixedOnSpot));

    [Fact]
    public void A_complete_report_has_no_errors() =>
        Assert.Empty(FieldReportValidation.Validate(Form(), Categories, Now));

    [Fact]
    public void Each_bad_field_is_named()
    {
        static string[] Fields(FieldReportForm f) => [.. FieldReportValidation.Validate(f, Categories, Now).Select(e => e.Field)];

        Assert.Equal(["id"], Fields(Form() with { Id = Guid.Empty }));
        Assert.Equal(["occurredAt"], Fields(Form() with { OccurredAt = Now.AddMinutes(5) }));
        Assert.Empty(Fields(Form() with { OccurredAt = Now.AddMinutes(1) })); // a phone's clock a little ahead
        Assert.Equal(["occurredAt"], Fields(Form() with { OccurredAt = Now.AddDays(-8) }));
        Assert.Equal(["occurredAt"], Fields(Form() with { OccurredAt = default }));
        Assert.Equal(["category"], Fields(Form() with { Category = "fire" }));
        Assert.Equal(["description"], Fields(Form() with { Description = " " }));
        Assert.Equal(["description"], Fields(Form() with { Description = "a\u0000b" }));
        Assert.Equal(["latitude", "longitude"], Fields(Form() with { Latitude = double.NaN, Longitude = 200 }));
        Assert.Equal(["accuracy"], Fields(Form() with { Accuracy = -1 }));
        Assert.Equal(["fix"], Fields(Form() with { FixedOnSpot = true }));
        Assert.Equal(["fix"], Fields(Form() with { Fix = "修好了" }));
        Assert.Empty(Fields(Form() with { FixedOnSpot = true, Fix = "修好了" }));
    }

    [Fact]
    public void A_report_is_reported_with_its_finder_placed_and_not_forwarded_when_the_workers_desk_covers_the_place()
    {
        var events = FieldReportRules.Intake(Found(), null, Now);

        var reported = Assert.IsType<IncidentReported>(events[0]);
        Assert.Equal((Worker, Channel.Grid), (reported.Finder!.Login, reported.Channel));
        Assert.IsType<IncidentPlaced>(events[1]);
        Assert.Equal(2, events.Count);
        Assert.Equal(Worker, events.Aggregate((Incident?)null, Incident.Evolve)!.FoundBy);
    }

    [Fact]
    public void A_matter_fixed_on_the_spot_runs_the_whole_loop_in_the_workers_name_and_closes_without_a_callback()
    {
        var events = FieldReportRules.Intake(Found(fixedOnSpot: true), " 已放置临时井盖 ", Now);

        Assert.Equal(
            [typeof(IncidentReported), typeof(IncidentPlaced), typeof(IncidentAccepted), typeof(IncidentAssigned), typeof(IncidentAcknowledged),
             typeof(IncidentResolved), typeof(IncidentClosed)],
            events.Select(e => e.GetType()));
        Assert.All(events.Cast<IIncidentEvent>(), e => Assert.Equal(Worker, e.By));
        Assert.Equal("已放置临时井盖", events.OfType<IncidentResolved>().Single().Resolution);
        var incident = events.Aggregate((Incident?)null, Incident.Evolve)!;
        Assert.Equal((IncidentState.Closed, UrbanManagement), (incident.State, incident.LeadDepartment));
    }

    [Fact]
    public void The_finder_attaches_a_photo_to_their_closed_report_whatever_department_leads_it_and_nobody_else_does()
    {
        var closed = FieldReportRules.Intake(Found(fixedOnSpot: true), "已清理", Now).ToArray();
        var photo = new AttachPhoto(Water, Guid.NewGuid(), PhotoFormat.Jpeg, 1000, null, Worker);

        Given(closed).When(photo).Then(new IncidentPhotoAttached(Id, photo.PhotoId, Water, PhotoFormat.Jpeg, 1000, null, Worker, Now));
        Given(closed).When(photo with { By = Handler, Department = UrbanManagement }).ThenRefused("incident.closed");

        var finder = new Actor(Worker, "张网格", [new Grant(Role.FieldUnit, OtherTown, Water)]);
        var scope = IncidentScope.Of(closed.Aggregate((Incident?)null, Incident.Evolve)!);
        Assert.True(AccessRules.Allows(finder, photo, scope));
        Assert.False(AccessRules.Allows(finder with { Login = "grid.li" }, photo, scope));
        Assert.False(AccessRules.Allows(finder, new NoteProgress(Water, "看过了", Worker), scope));
    }

    [Fact]
    public void A_report_taken_at_a_desk_that_does_not_cover_the_place_says_where_it_was_taken_and_where_it_went()
    {
        var events = IncidentDecider.Intake(Found(receivedAt: OtherTown) with { Finder = null, Channel = Channel.Hotline }, Now);

        Assert.Equal(new IncidentForwarded(Id, OtherTown, Cell, Worker, Now), Assert.Single(events.OfType<IncidentForwarded>()));
        Assert.Empty(IncidentDecider.Intake(Found(receivedAt: "demo") with { Finder = null }, Now).OfType<IncidentForwarded>());
    }

    [Fact]
    public void Any_desk_takes_reports_but_only_desks_do()
    {
        Assert.True(AccessRules.MayTakeReports(new Actor("ct", "ct", [new Grant(Role.CallTaker, OtherTown)])));
        Assert.True(AccessRules.MayTakeReports(new Actor("d", "d", [new Grant(Role.Dispatcher, Town)])));
        Assert.False(AccessRules.MayTakeReports(new Actor("l", "l", [new Grant(Role.Leader, "demo")])));
        Assert.False(AccessRules.MayTakeReports(new Actor("u", "u", [new Grant(Role.FieldUnit, Town, UrbanManagement)])));
    }
}
