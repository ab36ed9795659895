using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using GmTools.Server.Telemetry;

namespace GmTools.Server.Tests.Telemetry;

/// <summary>
/// The instruments the server's meter publishes, with the series names Prometheus sees for each (the exporter's
/// translation: dots become underscores, a unit of seconds adds _seconds, a counter _total, a histogram
/// _bucket/_count/_sum). The scrape test checks the translation against a real scrape.
/// </summary>
internal static partial class MetricCatalog
{
    [GeneratedRegex("gmtools_[a-z_]+")]
    private static partial Regex SeriesName();

    /// <summary>Instrument name → the Prometheus series names it yields.</summary>
    public static Dictionary<string, string[]> Published()
    {
        var found = new Dictionary<string, string[]>(StringComparer.Ordinal);
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, _) =>
        {
            if (instrument.Meter.Name == ServerMetrics.MeterName)
            {
                found[instrument.Name] = SeriesOf(instrument);
            }
        };
        listener.Start(); // reports the instruments that exist already: the running server's
        return found;
    }

    /// <summary>The gmtools_* series a PromQL text names.</summary>
    public static IEnumerable<string> Referenced(string promql) => SeriesName().Matches(promql).Select(m => m.Value);

    private static string[] SeriesOf(Instrument instrument)
    {
        var name = instrument.Name.Replace('.', '_') + (instrument.Unit == "s" ? "_seconds" : "");
        var type = instrument.GetType().GetGenericTypeDefinition();
        if (type == typeof(Histogram<>))
        {
            return [name + "_bucket", name + "_count", name + "_sum"];
        }
        return type == typeof(Counter<>) || type == typeof(ObservableCounter<>) ? [name + "_total"] : [name];
    }
}
