namespace GmTools.Server.Tests.Sanctions;

/// <summary>A server replica on a private Redis that the tests flush and stop.</summary>
public sealed class SanctionsRedisFaultFixture : SanctionsFixture
{
    protected override bool UsesPrivateRedis => true;
}
