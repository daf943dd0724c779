using System.Text;
using Dispatch.Server.Localization;
using Dispatch.Server.Performance;
using Microsoft.Extensions.Localization;

namespace Dispatch.Server.Tests.Performance;

/// <summary>The spreadsheet's escaping, without a server: names with commas and quotes, and names that look like formulas.</summary>
public sealed class KpiCsvTests
{
    /// <summary>Headers read as their keys.</summary>
    sealed class Keys : IStringLocalizer<Ui>
    {
        public LocalizedString this[string name] => new(name, name);
        public LocalizedString this[string name, params object[] arguments] => new(name, name);
        public IEnumerable<LocalizedString> GetAllStrings(bool includeParentCultures) => [];
    }

    [Fact]
    public void Kpi_csv_quotes_what_needs_quoting_and_defuses_formulas()
    {
        KpiRow Row(string key, string name) => new(key, name, new DateOnly(2026, 11, 23), 1, 1, 1, 0, 0, 0, 0, 0, null, 90, null);

        var bytes = KpiCsv.Write([Row("dh", "东湖区, \"老城\""), Row("x", "=HYPERLINK(\"http://example.org\")")], daily: true, new Keys());

        var lines = Encoding.UTF8.GetString(bytes.AsSpan(3)).Split("\r\n");
        Assert.Equal("kpi.col.day,kpi.col.key,kpi.col.name,kpi.col.received", string.Join(',', lines[0].Split(',').Take(4)));
        Assert.Equal("2026-11-23,dh,\"东湖区, \"\"老城\"\"\",1,1,1,0,0,0,0,0,,1.5,,0,0,0", lines[1]);
        Assert.Equal("2026-11-23,x,\"'=HYPERLINK(\"\"http://example.org\"\")\",1,1,1,0,0,0,0,0,,1.5,,0,0,0", lines[2]);
    }
}
