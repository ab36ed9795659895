namespace GmTools.Server.Tests.Sanctions;

/// <summary>
/// A server replica on a private Redis that the tests flush and stop, with CheckAccess on its fallback path (the
/// in-process set of sanctions in force switched off), so the Redis and PostgreSQL layers themselves are tested.
/// </summary>
public sealed class SanctionsRedisFaultFixture : SanctionsFixture
{
    protected override bool UsesPrivateRedis => true;

    protected override IReadOnlyDictionary<string, string?> Settings =>
        new Dictionary<string, string?>(base.Settings) { ["GmTools:Sanctions:AccessSet:Enabled"] = "false" };
}

/// <summary>Two replicas' worth of set-up on a private Redis, with the in-process set of sanctions in force on.</summary>
public sealed class ActiveSanctionSetFixture : SanctionsFixture
{
    protected override bool UsesPrivateRedis => true;
}
