using Xunit.Abstractions;

namespace GmTools.Server.Tests.Infrastructure;

/// <summary>
/// A test class of the kit whose fixture's server logs into the running test's output:
/// <c>public sealed class FooTests(FooFixture fx, ITestOutputHelper output) : ServerTest&lt;FooFixture&gt;(fx, output), IClassFixture&lt;FooFixture&gt;</c>,
/// then <see cref="Fx"/> and <see cref="Output"/> in the tests.
/// </summary>
public abstract class ServerTest<TFixture>
    where TFixture : ServerFixture
{
    protected ServerTest(TFixture fx, ITestOutputHelper output)
    {
        Fx = fx;
        Output = output;
        fx.LogTo(output);
    }

    protected TFixture Fx { get; }

    protected ITestOutputHelper Output { get; }
}
