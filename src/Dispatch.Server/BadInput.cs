using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Dispatch.Domain;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

namespace Dispatch.Server;

/// <summary>
/// The edge that keeps bad input from becoming a 500, in every environment: every string in a JSON body obeys
/// <see cref="FreeText"/> (<see cref="FreeTextJsonConverter"/>, in the HTTP JSON options every body is read with), a body
/// or parameter that does not bind is a 400 problem naming the field (<see cref="BindingFailureAnswer"/>), and an all-zero
/// id in a route matches nothing (404).
/// </summary>
public static class BadInput
{
    public static WebApplicationBuilder AddBadInput(this WebApplicationBuilder builder)
    {
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new FreeTextJsonConverter()));
        // Throw in Production too (the default there is an empty 400), so that one handler answers every binding
        // failure alike, naming the field; in Development the default throw used to end as a 500.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddExceptionHandler<BindingFailureAnswer>();
        // Every {x:guid} in a route refuses the all-zero id: no incident, unit or photo has it, and Marten refuses it.
        builder.Services.Configure<RouteOptions>(o => o.SetParameterPolicy<NonEmptyGuidConstraint>("guid"));
        return builder;
    }

    /// <summary>The options a body read by hand (not bound by the framework) is read with: the same rules.</summary>
    public static JsonSerializerOptions Json(HttpContext http) =>
        http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;

    /// <summary>The field a <see cref="JsonException"/> is about and what is wrong with it.</summary>
    public static (string Field, string Message) Explain(JsonException ex)
    {
        // A value of the wrong type names its field; broken JSON syntax (the reader's own error) is the body's.
        var brokenSyntax = ex.InnerException?.GetType().Name == "JsonReaderException";
        var field = brokenSyntax || string.IsNullOrEmpty(ex.Path) || ex.Path == "$" ? "body" : ex.Path.TrimStart('$', '.');
        return (field, ex switch
        {
            FreeTextException text => text.Reason,
            _ when brokenSyntax => "The body is not valid JSON.",
            _ => "This value has the wrong type or format.",
        });
    }
}

/// <summary>A string in a body that breaks <see cref="FreeText"/>; the serializer adds the path (the field).</summary>
public sealed class FreeTextException(string reason) : JsonException(reason)
{
    public string Reason { get; } = reason;
}

/// <summary>Reads every JSON string through <see cref="FreeText"/>; writes strings unchanged.</summary>
public sealed class FreeTextJsonConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return FreeText.Problem(text) is { } problem ? throw new FreeTextException(problem) : text;
    }

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}

/// <summary>
/// A request the framework could not bind (broken or mistyped JSON, a bad number in the query string, a wrong content
/// type): a problem with the framework's status (400, 415…) that names the field, never a 500.
/// </summary>
public sealed partial class BindingFailureAnswer : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        if (exception is not BadHttpRequestException bad || http.Response.HasStarted) return false;
        var (field, message) = bad switch
        {
            { InnerException: JsonException json } => BadInput.Explain(json),
            _ when bad.Message.Contains("anti-forgery", StringComparison.OrdinalIgnoreCase) =>
                ("__RequestVerificationToken", "The form's anti-forgery token is missing or no longer valid: reload the page."),
            _ when bad.Message.StartsWith("Failed to bind parameter", StringComparison.Ordinal) && Parameter().Match(bad.Message) is { Success: true } m =>
                (m.Groups[1].Value, $"'{m.Groups[1].Value}' does not have the expected format."),
            { StatusCode: StatusCodes.Status415UnsupportedMediaType } => ("body", "Send the body as application/json."),
            _ => ("body", "The request could not be read."),
        };
        await Results.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] },
            statusCode: bad.StatusCode, title: "The request could not be read").ExecuteAsync(http);
        return true;
    }

    // "Failed to bind parameter "int staleMinutes" from "x"." / "Required parameter "RegisterRequest body" was not provided…"
    [GeneratedRegex("parameter \"(?:[^\"]* )?(\\w+)\"")]
    private static partial Regex Parameter();
}

/// <summary>The built-in guid constraint, without the all-zero id.</summary>
public sealed class NonEmptyGuidConstraint : IRouteConstraint
{
    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
        values.TryGetValue(routeKey, out var value) && value switch
        {
            Guid g => g != Guid.Empty,
            string s => Guid.TryParse(s, out var g) && g != Guid.Empty,
            _ => false,
        };
}
