using Dispatch.Server.City;
using Dispatch.Server.Components;
using Dispatch.Server.Incidents;
using Dispatch.Server.Live;
using Dispatch.Server.Localization;
using Dispatch.Server.Storage;
using Dispatch.Server;
using Dispatch.Server.Demo;
using Dispatch.Server.Jurisdictions;

var builder = WebApplication.CreateBuilder(args);

builder.AddDispatchStorage();
builder.AddCity();
builder.AddJurisdictions();
builder.AddIncidents();
builder.AddLivePush();
builder.AddConsole();
builder.AddDemoCity();

var app = builder.Build();

app.UseExceptionHandler();
app.UseConsoleLocalization();
app.UseStaticFiles();
app.UseAntiforgery();

app.MapIncidentApi();
app.MapLivePush();
app.MapConsole();

app.Run();

/// <summary>Visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
