using System.Text.Json;
using GmTools.Server.Tests.Infrastructure;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace GmTools.Server.Tests.Telemetry;

/// <summary>deploy/observability/, read as Grafana and Prometheus read it.</summary>
internal static class ObservabilityFiles
{
    private static string PathOf(string file) => Path.Combine(TestEnvironment.RepositoryRoot, "deploy", "observability", file);

    /// <summary>Every query of every panel; fails on JSON that does not parse or a panel without queries.</summary>
    public static List<string> DashboardQueries()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(PathOf("grafana-dashboard.json")));
        var root = doc.RootElement;
        Assert.False(string.IsNullOrEmpty(root.GetProperty("uid").GetString()));
        Assert.Contains(root.GetProperty("templating").GetProperty("list").EnumerateArray(), v => v.GetProperty("type").GetString() == "datasource");
        var queries = new List<string>();
        var ids = new HashSet<int>();
        foreach (var panel in root.GetProperty("panels").EnumerateArray())
        {
            Assert.True(ids.Add(panel.GetProperty("id").GetInt32()), "panel ids are unique");
            if (panel.GetProperty("type").GetString() == "row")
            {
                continue;
            }
            var title = panel.GetProperty("title").GetString();
            var targets = panel.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString() ?? "").ToList();
            Assert.True(targets.Count > 0 && targets.All(t => t.Length > 0), $"panel '{title}' has a query per target");
            queries.AddRange(targets);
        }
        return queries;
    }

    public sealed class RuleFile
    {
        public List<RuleGroup> Groups { get; set; } = [];
    }

    public sealed class RuleGroup
    {
        public string Name { get; set; } = "";
        public List<AlertRule> Rules { get; set; } = [];
    }

    public sealed class AlertRule
    {
        public string Alert { get; set; } = "";
        public string Expr { get; set; } = "";
        public string? For { get; set; }
        public Dictionary<string, string> Labels { get; set; } = [];
        public Dictionary<string, string> Annotations { get; set; } = [];
    }

    /// <summary>Every alerting rule; an unknown key fails as it fails Prometheus's loader.</summary>
    public static List<AlertRule> AlertRules()
    {
        var file = new DeserializerBuilder().WithNamingConvention(LowerCaseNamingConvention.Instance).Build()
            .Deserialize<RuleFile>(File.ReadAllText(PathOf("alert-rules.yaml")));
        var rules = file.Groups.SelectMany(g => g.Rules).ToList();
        Assert.NotEmpty(rules);
        Assert.Equal(file.Groups.Count, file.Groups.Select(g => g.Name).Distinct().Count());
        Assert.All(rules, r =>
        {
            Assert.Matches("^[A-Za-z][A-Za-z0-9]+$", r.Alert);
            Assert.False(string.IsNullOrWhiteSpace(r.Expr), r.Alert);
            Assert.True(r.Labels.GetValueOrDefault("severity") is "warning" or "critical", $"{r.Alert}: severity warning or critical");
            Assert.False(string.IsNullOrWhiteSpace(r.Annotations.GetValueOrDefault("summary")), r.Alert);
            Assert.True(r.For is null || System.Text.RegularExpressions.Regex.IsMatch(r.For, "^[0-9]+[smh]$"), $"{r.Alert}: for {r.For}");
        });
        return rules;
    }
}
