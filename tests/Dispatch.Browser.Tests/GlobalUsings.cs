// The namespaces most browser tests open (Xunit comes from the project file). Not Microsoft.Playwright: its Cookie would
// clash with System.Net's in the server tests' DispatchApp.cs, which this project compiles too.
global using System.Net.Http.Json;
global using System.Text.Json;
global using Dispatch.Domain.Access;
global using Dispatch.Domain.Incidents;
global using Dispatch.Domain.Intake;
global using Dispatch.Domain.Units;
global using Dispatch.Server.Incidents;
global using Dispatch.Server.Jurisdictions;
global using Dispatch.Server.Tests.Infrastructure;
global using Dispatch.Server.Units;
global using Microsoft.Extensions.DependencyInjection;
