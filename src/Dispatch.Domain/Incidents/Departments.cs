using System.Collections;
using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Dispatch.Domain.Incidents;

/// <summary>
/// A set of department codes that compares by content, so the incident record stays a value (records compare
/// collections by reference).
/// </summary>
[JsonConverter(typeof(Json))] // stored in the incident snapshot; a read-only collection needs telling how to build it
public sealed class Departments : IEquatable<Departments>, IReadOnlyCollection<string>
{
    public static readonly Departments None = new(ImmutableSortedSet<string>.Empty);

    readonly ImmutableSortedSet<string> _codes;

    Departments(ImmutableSortedSet<string> codes) => _codes = codes;

    public static Departments Of(IEnumerable<string>? codes) =>
        codes is null ? None : new(ImmutableSortedSet.CreateRange(StringComparer.Ordinal, codes));

    public int Count => _codes.Count;
    public bool Contains(string code) => _codes.Contains(code);
    public Departments With(string code) => new(_codes.Add(code));
    public Departments Without(string code) => new(_codes.Remove(code));

    public bool Equals(Departments? other) => other is not null && _codes.SetEquals(other._codes);
    public override bool Equals(object? obj) => Equals(obj as Departments);
    public override int GetHashCode() => _codes.Aggregate(0, (h, c) => HashCode.Combine(h, c));
    public override string ToString() => string.Join(",", _codes);

    public IEnumerator<string> GetEnumerator() => _codes.GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>A JSON array of codes (System.Text.Json is the BCL's: the domain stays package-free).</summary>
    sealed class Json : JsonConverter<Departments>
    {
        public override Departments Read(ref Utf8JsonReader reader, Type type, JsonSerializerOptions options) =>
            Of(JsonSerializer.Deserialize<string[]>(ref reader, options));

        public override void Write(Utf8JsonWriter writer, Departments value, JsonSerializerOptions options)
        {
            writer.WriteStartArray();
            foreach (var code in value._codes) writer.WriteStringValue(code);
            writer.WriteEndArray();
        }
    }
}
