using System.Security.Cryptography;
using System.Text;

namespace Dispatch.Server.Sensors;

/// <summary>
/// What the alarms at one place (a jurisdiction node) of one category have open: the incident they fold into, and each
/// device measure's alarm state. Read and written only under the place's lock (<see cref="Pipeline.Work.Hold"/>), in the
/// transaction that notes the alarms, so two nodes racing with readings from the same place open one incident.
/// </summary>
public sealed class SensorSpot
{
    /// <summary>Readings already noted per measure, remembered so a resent batch is not noted twice.</summary>
    const int Remembered = 64;

    public Guid Id { get; set; }
    public string Path { get; set; } = "";
    public string Category { get; set; } = "";
    public Guid? IncidentId { get; set; }
    public string? Number { get; set; }
    public List<SpotMeasure> Measures { get; set; } = [];

    public static Guid IdOf(string path, string category) => new(MD5.HashData(Encoding.UTF8.GetBytes($"sensor-spot\n{path}\n{category}")));

    public static string LockOf(string path, string category) => $"sensor-spot\n{path}\n{category}";

    public IReadOnlySet<string> AlarmedOf(Guid deviceId) =>
        Measures.Where(m => m.DeviceId == deviceId && m.InAlarm).Select(m => m.Measure).ToHashSet();

    public bool Noted(Guid deviceId, string measure, DateTimeOffset at) =>
        Measures.Any(m => m.DeviceId == deviceId && m.Measure == measure && m.Recent.Contains(at));

    /// <summary>Records what the signals did to the measures' state.</summary>
    public void Apply(Guid deviceId, IEnumerable<Domain.Sensors.Signal> signals)
    {
        foreach (var s in signals)
        {
            var m = Measures.FirstOrDefault(x => x.DeviceId == deviceId && x.Measure == s.Reading.Measure);
            if (m is null) Measures.Add(m = new SpotMeasure { DeviceId = deviceId, Measure = s.Reading.Measure });
            m.InAlarm = s.Kind == Domain.Sensors.SignalKind.Alarm;
            m.Recent.Add(s.Reading.At);
            if (m.Recent.Count > Remembered) m.Recent.RemoveRange(0, m.Recent.Count - Remembered);
        }
    }
}

public sealed class SpotMeasure
{
    public Guid DeviceId { get; set; }
    public string Measure { get; set; } = "";
    public bool InAlarm { get; set; }
    public List<DateTimeOffset> Recent { get; set; } = [];
}
