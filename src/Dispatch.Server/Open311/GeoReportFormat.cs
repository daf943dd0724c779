using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Xml;

namespace Dispatch.Server.Open311;

/// <summary>
/// One element of a GeoReport answer: its fields in order. By the specification's Spark convention the JSON object and
/// the XML element carry the same names; a value is text, a number, a boolean, null, or a list of elements.
/// </summary>
public sealed class Element(string name) : List<(string Name, object? Value)>
{
    public string Name { get; } = name;

    public Element With(string field, object? value)
    {
        Add((field, value));
        return this;
    }
}

/// <summary>One error of an answer: the field it is about (null: the request as a whole) and what is wrong.</summary>
public sealed record GeoReportError(string? Field, string Message)
{
    public string Description => Field is null ? Message : $"{Field}: {Message}";
}

/// <summary>
/// GeoReport v2's two formats: <c>.json</c> (application/json) and <c>.xml</c> (text/xml, the required one), UTF-8 both,
/// and its error answer, an array of <c>{code, description}</c> (XML <c>&lt;errors&gt;&lt;error&gt;</c>).
/// </summary>
public static class GeoReportFormat
{
    public const string Json = "json", Xml = "xml";

    /// <summary>The format a path asks for by its extension; XML (the required format) when it names neither.</summary>
    public static string Of(PathString path) =>
        path.Value?.EndsWith(".json", StringComparison.OrdinalIgnoreCase) == true ? Json : Xml;

    public static bool IsFormat(string? format) => format is Json or Xml;

    /// <summary>A list: a JSON array, or the XML root element holding one element per item.</summary>
    public static IResult List(string format, string root, IEnumerable<Element> items, int status = StatusCodes.Status200OK) =>
        format == Json
            ? Text(WriteJson(w => { w.WriteStartArray(); foreach (var item in items) Object(w, item); w.WriteEndArray(); }), Json, status)
            : Text(WriteXml(w => { w.WriteStartElement(root); foreach (var item in items) XmlElement(w, item); w.WriteEndElement(); }), Xml, status);

    /// <summary>One element: a JSON object, or the XML root element itself (a service definition).</summary>
    public static IResult One(string format, Element element) =>
        format == Json ? Text(WriteJson(w => Object(w, element)), Json, 200) : Text(WriteXml(w => XmlElement(w, element)), Xml, 200);

    /// <summary>
    /// The specification's error answer. HTTP 404 for what does not exist, 403 for a missing or wrong api_key, 400 for
    /// the rest; each error's code is the HTTP status and its description names the field first.
    /// </summary>
    public static IResult Errors(string format, int status, IEnumerable<GeoReportError> errors) =>
        List(format, "errors", errors.Select(e => new Element("error").With("code", status).With("description", e.Description)), status);

    static IResult Text(string body, string format, int status) =>
        Results.Text(body, format == Json ? "application/json; charset=utf-8" : "text/xml; charset=utf-8", Encoding.UTF8, status);

    static string WriteJson(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        // Chinese stays readable: this JSON is never put inside HTML, so the relaxed escaping is safe.
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            write(writer);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    static void Object(Utf8JsonWriter w, Element element)
    {
        w.WriteStartObject();
        foreach (var (name, value) in element)
        {
            w.WritePropertyName(name);
            switch (value)
            {
                case null: w.WriteNullValue(); break;
                case string s: w.WriteStringValue(Clean(s)); break;
                case bool b: w.WriteBooleanValue(b); break;
                case int i: w.WriteNumberValue(i); break;
                case long l: w.WriteNumberValue(l); break;
                case double d: w.WriteNumberValue(d); break;
                case IEnumerable<Element> list:
                    w.WriteStartArray();
                    foreach (var item in list) Object(w, item);
                    w.WriteEndArray();
                    break;
                default: w.WriteStringValue(Clean(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "")); break;
            }
        }
        w.WriteEndObject();
    }

    static string WriteXml(Action<XmlWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var writer = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true }))
        {
            writer.WriteStartDocument();
            write(writer);
            writer.WriteEndDocument();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    static void XmlElement(XmlWriter w, Element element)
    {
        w.WriteStartElement(element.Name);
        foreach (var (name, value) in element)
        {
            w.WriteStartElement(name);
            switch (value)
            {
                case null: break;
                case bool b: w.WriteString(b ? "true" : "false"); break;
                case double d: w.WriteString(d.ToString("R", CultureInfo.InvariantCulture)); break;
                case IEnumerable<Element> list: foreach (var item in list) XmlElement(w, item); break;
                default: w.WriteString(Clean(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "")); break;
            }
            w.WriteEndElement();
        }
        w.WriteEndElement();
    }

    /// <summary>Text as XML and JSON can carry it: a character XML forbids (a control character, a lone surrogate) becomes U+FFFD.</summary>
    static string Clean(string s)
    {
        if (s.All(c => !char.IsSurrogate(c) && XmlConvert.IsXmlChar(c))) return s;
        var clean = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { clean.Append(s, i, 2); i++; }
            else clean.Append(!char.IsSurrogate(s[i]) && XmlConvert.IsXmlChar(s[i]) ? s[i] : '\uFFFD');
        }
        return clean.ToString();
    }
}
