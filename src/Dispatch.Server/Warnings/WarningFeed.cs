using System.Globalization;
using System.Text;
using System.Xml;

namespace Dispatch.Server.Warnings;

/// <summary>
/// The warning channels' Atom 1.0 feed (RFC 4287): one entry per CAP message, newest first, each linking to its alert;
/// a message a later one updated or cancelled says so in its title. Public words only.
/// </summary>
public static class WarningFeed
{
    public const string AtomNamespace = "http://www.w3.org/2005/Atom";
    public const string ContentType = "application/atom+xml; charset=utf-8";
    public const int MaxEntries = 100;

    /// <param name="newest">The newest messages, newest first.</param>
    /// <param name="fate">For each series, its newest message's type (what became of the earlier ones).</param>
    public static byte[] Write(IReadOnlyList<PublicWarning> newest, IReadOnlyDictionary<string, PublicWarning> fate, string baseUrl,
        string title, string sender)
    {
        using var buffer = new MemoryStream();
        using (var x = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true }))
        {
            x.WriteStartDocument();
            x.WriteStartElement("feed", AtomNamespace);
            x.WriteElementString("id", AtomNamespace, $"{baseUrl}/warnings/feed.atom");
            x.WriteElementString("title", AtomNamespace, title);
            x.WriteElementString("updated", AtomNamespace, Time(newest.Count > 0 ? newest[0].Sent : DateTimeOffset.UnixEpoch));
            Link(x, "self", $"{baseUrl}/warnings/feed.atom", WarningFeed.ContentType.Split(';')[0]);
            x.WriteStartElement("author", AtomNamespace);
            x.WriteElementString("name", AtomNamespace, sender);
            x.WriteEndElement();
            foreach (var w in newest)
            {
                var last = fate.GetValueOrDefault(w.Series) ?? w;
                var state = w.MsgType switch
                {
                    PublicWarnings.CancelType => "[已解除 Cancelled] ",
                    _ when last.Id != w.Id && last.MsgType == PublicWarnings.CancelType => "[已解除 Cancelled] ",
                    _ when last.Id != w.Id => "[已更新 Updated] ",
                    PublicWarnings.UpdateType => "[更新 Update] ",
                    _ => "",
                };
                x.WriteStartElement("entry", AtomNamespace);
                x.WriteElementString("id", AtomNamespace, $"urn:cap:{w.Sender}:{w.Id}");
                x.WriteElementString("title", AtomNamespace, state + w.Text.Headline);
                x.WriteElementString("updated", AtomNamespace, Time(w.Sent));
                x.WriteElementString("published", AtomNamespace, Time(w.Sent));
                Link(x, "alternate", $"{baseUrl}/warnings/cap/{w.Id}.xml", "application/cap+xml");
                x.WriteStartElement("category", AtomNamespace);
                x.WriteAttributeString("term", w.MsgType);
                x.WriteEndElement();
                x.WriteStartElement("summary", AtomNamespace);
                x.WriteString($"{w.Text.Event}（{w.Area.Description}）：{w.Text.Instruction}");
                x.WriteEndElement();
                x.WriteEndElement();
            }
            x.WriteEndElement();
            x.WriteEndDocument();
        }
        return buffer.ToArray();
    }

    static void Link(XmlWriter x, string rel, string href, string type)
    {
        x.WriteStartElement("link", AtomNamespace);
        x.WriteAttributeString("rel", rel);
        x.WriteAttributeString("type", type);
        x.WriteAttributeString("href", href);
        x.WriteEndElement();
    }

    /// <summary>RFC 3339, in UTC.</summary>
    static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
