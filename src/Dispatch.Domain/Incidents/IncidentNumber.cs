namespace Dispatch.Domain.Incidents;

/// <summary>The number people say on the phone: the centre's local date and a daily sequence, 20261123-0042.</summary>
public static class IncidentNumber
{
    public static string Format(DateOnly localDay, long sequence) =>
        $"{localDay:yyyyMMdd}-{sequence:D4}";

    public static DateOnly LocalDay(DateTimeOffset now, TimeZoneInfo zone) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
}
