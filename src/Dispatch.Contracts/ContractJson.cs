using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dispatch.Contracts;

/// <summary>
/// How contracts travel as JSON: web defaults (camelCase names, case-insensitive reading) and enums as their names.
/// Reading still accepts an enum's number, so bodies stored before enums were written as names read unchanged.
/// </summary>
public static class ContractJson
{
    public static readonly JsonSerializerOptions Options = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>Makes <paramref name="options"/> (a hub protocol's, the HTTP API's) write enums as names.</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        options.Converters.Add(new JsonStringEnumConverter());
        return options;
    }
}
