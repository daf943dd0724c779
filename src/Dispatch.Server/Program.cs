using Dispatch.Server;
using Dispatch.Server.Audit;
using Dispatch.Server.Chat;
using Dispatch.Server.Command;
using Dispatch.Server.Demo;
using Dispatch.Server.Duplicates;
using Dispatch.Server.Exercises;
using Dispatch.Server.Field;
using Dispatch.Server.Identity;
using Dispatch.Server.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Map;
using Dispatch.Server.Operations;
using Dispatch.Server.Open311;
using Dispatch.Server.Performance;
using Dispatch.Server.Photos;
using Dispatch.Server.Pipeline;
using Dispatch.Server.Plans;
using Dispatch.Server.Rewind;
using Dispatch.Server.Warnings;
using Dispatch.Server.Sensors;
using Dispatch.Server.Situation;
using Dispatch.Server.Storage;
using Dispatch.Server.Telemetry;
using Dispatch.Server.Units;
using Dispatch.Server.FieldReports;
using Dispatch.Server.Gazetteer;

var builder = WebApplication.CreateBuilder(args);

builder.AddDispatchStorage();
// Before anything seeds or writes: a live node and an exercise never share a database.
builder.AddExerciseSpace();
builder.AddSharedKeys();
builder.AddCity();
builder.AddJurisdictions();
builder.AddGazetteer();
builder.AddIdentity();
builder.AddAudit();
builder.AddPerformance();
builder.AddIncidents();
builder.AddUnits();
builder.AddChat();
builder.AddDuplicates();
builder.AddPhotos();
builder.AddOpen311();
builder.AddLivePush();
builder.AddConsole();
builder.AddDemoCity();
// After the demo seed: the deadline watch starts once the seeded morning is in place.
builder.AddCommand();
builder.AddPlans();
builder.AddWarnings();
builder.AddOperations();
builder.AddSituation();
builder.AddSensors();
builder.AddRewind();
builder.AddSecurityHeaders();
builder.AddMap();
builder.AddBadInput();
builder.AddProxies();
builder.AddHealth();
builder.AddTelemetry();

var app = builder.Build();

// First: everything after sees the client's address and scheme, not the proxy's (Proxies: trusted proxies only).
app.UseForwardedHeaders();
// Outermost: the headers go on every answer, the exception handler's included.
app.UseSecurityHeaders();
app.UseExerciseMark();
app.UseExceptionHandler();
// Past the ceiling, commands are refused here, before sign-in, body and JSON cost anything.
app.UseEdgeShedding();
app.UseHubOrigins();
app.UseConsoleLocalization();
// A device key opens only its readings endpoint: anywhere else it is refused before sign-in looks at the request.
app.UseDeviceKeys();
app.UseStaticFiles();
app.UseAuthentication();
app.UseAuthorization();
app.UseJsonCommands();
app.UseRateLimits();
app.UseAntiforgery();

app.MapAccounts();
app.MapIncidentApi();
app.MapUnitApi();
app.MapPastApi();
app.MapFieldApp();
app.MapChat();
app.MapJurisdictionApi();
app.MapGazetteerApi();
app.MapDuplicateApi();
app.MapPlanApi();
app.MapWarnings();
app.MapOperationApi();
app.MapPhotoApi();
app.MapFieldReportApi();
app.MapDeviceApi();
app.MapOpen311();
app.MapAudit();
app.MapPerformance();
app.MapReviewApi();
app.MapRewindCost();
app.MapLivePush();
app.MapConsole();
app.MapHealth();
app.MapTelemetry();

app.Run();

/// <summary>Visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
