using static GmTools.Server.Tests.Deploy.DeployFiles;

namespace GmTools.Server.Tests.Deploy;

/// <summary>
/// deploy/k8s/rollout.sh against a stand-in kubectl that records what it is asked (no cluster here): the migration Job
/// runs, and must complete, before the Deployment changes; a failed migration or a placeholder Secret stops the rollout.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RolloutScriptTests : IDisposable
{
    private const string Image = "registry.test/gmtools-server:9.9.9";

    // Answers like kubectl for the calls rollout.sh makes and logs every call. What `apply -f -` is fed is kept by its
    // kind, and that call is logged once its input has ended (in a pipeline, after the command feeding it).
    private const string FakeKubectl = """
        #!/usr/bin/env bash
        set -euo pipefail
        [ "$1" = "-n" ] && shift 2
        if [ "$*" = "apply -f -" ]; then
            body=$(cat)
            kind=$(printf '%s\n' "$body" | sed -n 's/^kind: *//p' | head -n 1)
            printf '%s\n' "$body" >"$FAKE_DIR/applied.$kind"
            echo "apply -f - ($kind)" >>"$FAKE_DIR/calls"
            exit 0
        fi
        echo "$*" >>"$FAKE_DIR/calls"
        case "$*" in
            "get secret gmtools-credentials -o jsonpath={.data}") echo '{"k":"v"}' ;;
            "get secret gmtools-credentials -o jsonpath={.data."*) printf '%s' "$FAKE_SECRET_VALUE" | base64 ;;
            "get job gmtools-migrate -o "*) echo "$FAKE_JOB_STATE" ;;
            "kustomize "*) cat "$2/deployment.yaml" ;;
            "logs "*) echo "migration log line" ;;
        esac
        """;

    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("gmtools-rollout");

    public void Dispose() => _dir.Delete(recursive: true);

    private async Task<(int Code, string Output, List<string> Calls)> Rollout(string jobState, string secretValue = "Host=pg;Password=real")
    {
        var kubectl = Path.Combine(_dir.FullName, "kubectl");
        await File.WriteAllTextAsync(kubectl, FakeKubectl.ReplaceLineEndings("\n") + "\n");
        File.SetUnixFileMode(kubectl, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var (code, output) = await RunAsync("bash", ["deploy/k8s/rollout.sh", Image], Root, TimeSpan.FromMinutes(1), new Dictionary<string, string>
        {
            ["KUBECTL"] = kubectl,
            ["FAKE_DIR"] = _dir.FullName,
            ["FAKE_JOB_STATE"] = jobState,
            ["FAKE_SECRET_VALUE"] = secretValue,
            ["GMTOOLS_MIGRATE_TIMEOUT_S"] = "5",
        });
        var calls = File.Exists(Path.Combine(_dir.FullName, "calls")) ? [.. await File.ReadAllLinesAsync(Path.Combine(_dir.FullName, "calls"))] : new List<string>();
        return (code, output, calls);
    }

    private string Applied(string kind) => File.ReadAllText(Path.Combine(_dir.FullName, $"applied.{kind}"));

    [Fact]
    public async Task The_migration_job_completes_before_the_deployment_changes_and_both_run_the_given_image()
    {
        var (code, output, calls) = await Rollout("Complete");
        Assert.True(code == 0, output);

        var deleteJob = calls.IndexOf("delete job gmtools-migrate --ignore-not-found --wait=true");
        var applyJob = calls.IndexOf("apply -f - (Job)");
        var waited = calls.FindIndex(c => c.StartsWith("get job gmtools-migrate", StringComparison.Ordinal));
        var applyDeployment = calls.IndexOf("apply -f - (Deployment)");
        var rolled = calls.IndexOf("rollout status deployment/gmtools-server --timeout=15m");
        Assert.True(deleteJob >= 0 && deleteJob < applyJob && applyJob < waited && waited < applyDeployment && applyDeployment < rolled, string.Join('\n', calls));

        var job = Applied("Job");
        Assert.Contains("kind: Job", job, StringComparison.Ordinal);
        Assert.Contains($"image: {Image}", job, StringComparison.Ordinal);
        Assert.Contains("args: [\"migrate\"]", job, StringComparison.Ordinal);
        var deployment = Applied("Deployment");
        Assert.Contains("kind: Deployment", deployment, StringComparison.Ordinal);
        Assert.Contains($"image: {Image}", deployment, StringComparison.Ordinal);
        Assert.DoesNotContain("image: gmtools-server", deployment, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_migration_leaves_the_deployment_untouched()
    {
        var (code, output, calls) = await Rollout("Failed");
        Assert.Equal(1, code);
        Assert.Contains("did not complete (Failed)", output, StringComparison.Ordinal);
        Assert.Contains("migration log line", output, StringComparison.Ordinal);
        Assert.DoesNotContain(calls, c => c.StartsWith("kustomize", StringComparison.Ordinal) || c.StartsWith("rollout", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_secret_still_holding_the_templates_placeholder_stops_the_rollout_before_migrating()
    {
        var (code, output, calls) = await Rollout("Complete", "Host=pg;Password=REPLACE-ME");
        Assert.Equal(1, code);
        Assert.Contains("has no real ConnectionStrings__Postgres", output, StringComparison.Ordinal);
        Assert.DoesNotContain(calls, c => c.Contains("job", StringComparison.Ordinal));
    }
}
