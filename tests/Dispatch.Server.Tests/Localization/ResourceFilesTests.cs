using System.Xml.Linq;
using Dispatch.Server.Tests.Infrastructure;

namespace Dispatch.Server.Tests.Localization;

/// <summary>
/// The console's words exist in both languages (issue 19 item 8): every key of Ui.resx is in Ui.zh-CN.resx and the
/// other way round, once each, and no value is empty — a missing Chinese key shows the English, a missing English key
/// shows the key itself. Read as XML, as the files are.
/// </summary>
public class ResourceFilesTests
{
    static readonly string Folder = RepoFiles.Path("src/Dispatch.Server/Localization");

    static IReadOnlyList<(string Key, string Value)> Entries(string file) =>
        [.. XDocument.Load(Path.Combine(Folder, file)).Root!.Elements("data")
            .Select(d => ((string)d.Attribute("name")!, d.Element("value")?.Value ?? ""))];

    static Dictionary<string, string> Values(string file) => Entries(file).ToDictionary(e => e.Key, e => e.Value);

    [Theory]
    [InlineData("Ui.resx", "Ui.zh-CN.resx")]
    [InlineData("Ui.zh-CN.resx", "Ui.resx")]
    public void Given_the_two_resource_files_then_every_key_of_one_is_in_the_other(string file, string other)
    {
        var missing = Entries(file).Select(e => e.Key).Except(Entries(other).Select(e => e.Key)).ToList();

        Assert.True(missing.Count == 0, $"In {file} but not in {other}: {string.Join(", ", missing)}");
    }

    /// <remarks>
    /// Twice also means twice but for case: the compiled resources keep one of timeline.Supervised and timeline.supervised,
    /// and the other key then shows itself on screen.
    /// </remarks>
    [Theory]
    [InlineData("Ui.resx")]
    [InlineData("Ui.zh-CN.resx")]
    public void Given_a_resource_file_then_no_key_is_there_twice_and_no_value_is_empty(string file)
    {
        var entries = Entries(file);

        Assert.Empty(entries.GroupBy(e => e.Key, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key));
        Assert.Empty(entries.Where(e => string.IsNullOrWhiteSpace(e.Value)).Select(e => e.Key));
    }

    [Fact]
    public void Given_the_urgency_filter_then_its_label_is_no_urgency_levels_name_in_either_language()
    {
        foreach (var file in new[] { "Ui.resx", "Ui.zh-CN.resx" })
        {
            var values = Values(file);
            var levels = values.Where(v => v.Key.StartsWith("urgency.", StringComparison.Ordinal)).Select(v => v.Value).ToList();

            Assert.Equal(4, levels.Count);
            Assert.DoesNotContain(values["col.urgency"], levels);
        }
        Assert.Equal("紧急程度", Values("Ui.zh-CN.resx")["col.urgency"]);
    }
}
