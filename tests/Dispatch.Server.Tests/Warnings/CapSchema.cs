using System.Xml;
using System.Xml.Linq;
using System.Xml.Schema;

namespace Dispatch.Server.Tests.Warnings;

/// <summary>The OASIS CAP 1.2 schema (cap-v1.2.xsd beside this file, copied to the output): validates an alert, naming every fault.</summary>
public static class CapSchema
{
    public static readonly XNamespace Cap = "urn:oasis:names:tc:emergency:cap:1.2";

    static readonly Lazy<XmlSchemaSet> Schemas = new(() =>
    {
        var set = new XmlSchemaSet();
        using var reader = XmlReader.Create(Path.Combine(AppContext.BaseDirectory, "Warnings", "cap-v1.2.xsd"));
        set.Add(null, reader);
        set.Compile();
        return set;
    });

    /// <summary>Validates <paramref name="xml"/> against the schema; fails the test with every fault; returns the parsed alert.</summary>
    public static XDocument Validate(byte[] xml)
    {
        var faults = new List<string>();
        var settings = new XmlReaderSettings { ValidationType = ValidationType.Schema, Schemas = Schemas.Value, DtdProcessing = DtdProcessing.Prohibit };
        settings.ValidationFlags |= XmlSchemaValidationFlags.ReportValidationWarnings;
        settings.ValidationEventHandler += (_, e) => faults.Add($"{e.Severity} line {e.Exception?.LineNumber}: {e.Message}");
        using (var reader = XmlReader.Create(new MemoryStream(xml), settings))
            while (reader.Read()) { }
        Assert.True(faults.Count == 0, "Not valid CAP 1.2: " + string.Join("; ", faults));
        var alert = XDocument.Load(new MemoryStream(xml));
        Assert.Equal(Cap + "alert", alert.Root!.Name);
        // The schema takes any string as a polygon: CAP's own rule is closed rings of at least four "lat,lon" pairs.
        foreach (var polygon in alert.Descendants(Cap + "polygon").Select(p => p.Value.Split(' ')))
        {
            Assert.True(polygon.Length >= 4, $"A polygon has {polygon.Length} points.");
            Assert.Equal(polygon[0], polygon[^1]);
            Assert.All(polygon, pair =>
            {
                var lat = double.Parse(pair.Split(',')[0], System.Globalization.CultureInfo.InvariantCulture);
                var lon = double.Parse(pair.Split(',')[1], System.Globalization.CultureInfo.InvariantCulture);
                Assert.InRange(lat, -90, 90);
                Assert.InRange(lon, -180, 180);
            });
        }
        return alert;
    }

    public static string Value(this XDocument alert, string element) => alert.Descendants(Cap + element).First().Value;
}
