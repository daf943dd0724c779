using System.Text;
using System.Xml;

namespace Dispatch.Server.Warnings;

/// <summary>
/// A <see cref="PublicWarning"/> as a CAP 1.2 alert (OASIS, <c>urn:oasis:names:tc:emergency:cap:1.2</c>), elements in the
/// schema's order. Public fields only: who issued it and why stay in the console.
/// </summary>
public static class CapXml
{
    public const string Namespace = "urn:oasis:names:tc:emergency:cap:1.2";
    public const string ContentType = "application/cap+xml; charset=utf-8";

    public static byte[] Write(PublicWarning w, string? web = null)
    {
        using var buffer = new MemoryStream();
        using (var x = XmlWriter.Create(buffer, new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true }))
        {
            x.WriteStartDocument();
            x.WriteStartElement("alert", Namespace);
            x.WriteElementString("identifier", Namespace, w.Id);
            x.WriteElementString("sender", Namespace, w.Sender);
            x.WriteElementString("sent", Namespace, w.SentText);
            x.WriteElementString("status", Namespace, "Actual");
            x.WriteElementString("msgType", Namespace, w.MsgType);
            x.WriteElementString("scope", Namespace, "Public");
            if (w.References.Count > 0) x.WriteElementString("references", Namespace, string.Join(" ", w.References));

            x.WriteStartElement("info", Namespace);
            x.WriteElementString("language", Namespace, w.Language);
            x.WriteElementString("category", Namespace, w.Text.Category);
            x.WriteElementString("event", Namespace, w.Text.Event);
            if (w.MsgType == PublicWarnings.CancelType) x.WriteElementString("responseType", Namespace, "AllClear");
            x.WriteElementString("urgency", Namespace, w.Text.Urgency);
            x.WriteElementString("severity", Namespace, w.Text.Severity);
            x.WriteElementString("certainty", Namespace, w.Text.Certainty);
            // The schema's order: (audience, eventCode, effective, onset,) expires, senderName.
            if (w.ExpiresText is { } expires) x.WriteElementString("expires", Namespace, expires);
            x.WriteElementString("senderName", Namespace, w.SenderName);
            x.WriteElementString("headline", Namespace, w.Text.Headline);
            x.WriteElementString("description", Namespace, w.Text.Description);
            x.WriteElementString("instruction", Namespace, w.Text.Instruction);
            if (web is not null) x.WriteElementString("web", Namespace, web);
            x.WriteStartElement("area", Namespace);
            x.WriteElementString("areaDesc", Namespace, w.Area.Description);
            foreach (var polygon in w.Area.Polygons) x.WriteElementString("polygon", Namespace, polygon);
            x.WriteEndElement();
            x.WriteEndElement();

            x.WriteEndElement();
            x.WriteEndDocument();
        }
        return buffer.ToArray();
    }
}
