using Dispatch.Server;
using Dispatch.Server.Demo;
using Dispatch.Server.Incidents;
using Dispatch.Server.Jurisdictions;
using Dispatch.Server.Storage;

var builder = WebApplication.CreateBuilder(args);

builder.AddDispatchStorage();
builder.AddCity();
builder.AddJurisdictions();
builder.AddIncidents();
builder.AddLivePush();
builder.AddConsole();
builder.AddDemoCity();
builder.AddSecurityHeaders();

var app = builder.Build();

app.UseExceptionHandler();
app.UseSecurityHeaders();
app.UseConsoleLocalization();
app.UseStaticFiles();
app.UseAntiforgery();

app.MapIncidentApi();
app.MapLivePush();
app.MapConsole();

app.Run();

/// <summary>Visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
