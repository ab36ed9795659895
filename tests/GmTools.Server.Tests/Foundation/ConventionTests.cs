using System.Reflection;
using System.Text.RegularExpressions;
using GmTools.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GmTools.Server.Tests.Foundation;

/// <summary>
/// Keeps the capability shape of docs/architecture.md: desks take order records, EF columns are sized by the
/// same limits the edge validation uses, and every options class is bound from configuration and validated at start.
/// </summary>
public sealed partial class ConventionTests(ServerFixture fx) : IClassFixture<ServerFixture>
{
    private static readonly Assembly ServerAssembly = typeof(GmToolsHost).Assembly;

    [Fact]
    public void No_desk_takes_a_contracts_request_type()
    {
        var offenders = ServerAssembly.GetTypes()
            .Where(t => !IsGrpcService(t) && !IsEdgeHelper(t))
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .SelectMany(m => m.GetParameters().Where(p => IsContractRequest(p.ParameterType)).Select(p => $"{t.FullName}.{m.Name}({p.ParameterType.Name})")))
            .ToList();

        Assert.Contains(ServerAssembly.GetTypes(), IsGrpcService); // the test sees the services it skips
        Assert.True(offenders.Count == 0, "desks must take order records (docs/architecture.md), not proto requests: " + string.Join(", ", offenders));
    }

    [Fact]
    public void A_cancellation_token_is_the_last_parameter()
    {
        var offenders = ServerAssembly.GetTypes()
            .Where(t => t.IsPublic || t.IsNestedPublic)
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .Where(m => m.GetParameters() is { Length: > 0 } ps
                    && Array.FindIndex(ps, p => p.ParameterType == typeof(CancellationToken)) is var i && i >= 0 && i != ps.Length - 1)
                .Select(m => $"{t.FullName}.{m.Name}"))
            .ToList();
        Assert.True(offenders.Count == 0, "the CancellationToken goes last (optional parameters before it, no switch after it): " + string.Join(", ", offenders));
    }

    [Fact]
    public void No_entity_configuration_sizes_a_column_with_a_literal_number()
    {
        var root = Path.Combine(TestEnvironment.RepositoryRoot, "src", "GmTools.Server");
        var files = Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}Migrations{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .ToList();
        Assert.Contains(files, f => f.EndsWith("Sanction.cs", StringComparison.Ordinal));

        var offenders = new List<string>();
        foreach (var file in files)
        {
            var relative = Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/');
            var lines = File.ReadAllLines(file);
            for (var i = 0; i < lines.Length; i++)
            {
                if (LiteralMaxLength().IsMatch(lines[i]))
                {
                    offenders.Add($"{relative}:{i + 1}");
                }
            }
        }
        Assert.True(offenders.Count == 0, "HasMaxLength takes a named limit shared with the validation (XyzLimits, CommonLimits): " + string.Join(", ", offenders));
    }

    [Fact]
    public void Every_options_class_is_bound_from_configuration_and_validated_at_start()
    {
        var optionsTypes = ServerAssembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && t.Name.EndsWith("Options", StringComparison.Ordinal)
                && t.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true })
            .ToList();
        Assert.Contains(optionsTypes, t => t.Name == "SanctionOptions");

        var validatedAtStart = StartupValidatedTypes(fx.Server.Services);
        var problems = new List<string>();
        foreach (var type in optionsTypes)
        {
            var changeTokens = (IEnumerable<object>)fx.Server.Services.GetServices(typeof(IOptionsChangeTokenSource<>).MakeGenericType(type));
            if (!changeTokens.Any())
            {
                problems.Add($"{type.Name} is not bound with BindConfiguration(Section)");
            }
            if (!validatedAtStart.Contains(type))
            {
                problems.Add($"{type.Name} is not validated at start (ValidateOnStart)");
            }
        }
        Assert.True(problems.Count == 0, string.Join("; ", problems));
    }

    /// <summary>ValidateOnStart records each options type in the (internal) StartupValidatorOptions; read its keys.</summary>
    private static HashSet<Type> StartupValidatedTypes(IServiceProvider services)
    {
        var optionsType = typeof(IValidateOptions<>).Assembly.GetType("Microsoft.Extensions.Options.StartupValidatorOptions", throwOnError: true)!;
        var accessor = typeof(IOptions<>).MakeGenericType(optionsType);
        var value = accessor.GetProperty(nameof(IOptions<object>.Value))!.GetValue(services.GetRequiredService(accessor))!;
        const BindingFlags Any = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
        var members = optionsType.GetFields(Any).Select(f => f.GetValue(value))
            .Concat(optionsType.GetProperties(Any).Select(p => p.GetValue(value)));
        var validators = members.OfType<System.Collections.IDictionary>().FirstOrDefault()
            ?? throw new InvalidOperationException("StartupValidatorOptions has changed shape; update this test");
        return validators.Keys.Cast<(Type Type, string Name)>().Select(k => k.Type).ToHashSet();
    }

    private static bool IsGrpcService(Type t) =>
        t.BaseType is { DeclaringType: { } outer } && outer.Assembly == typeof(Contracts.V1.SanctionService).Assembly && t.BaseType.Name.EndsWith("Base", StringComparison.Ordinal);

    // The edge's own helpers map proto requests by design: shape checks and contract mapping.
    private static bool IsEdgeHelper(Type t) =>
        t.Name.EndsWith("Validation", StringComparison.Ordinal) || t.Name.EndsWith("Contracts", StringComparison.Ordinal)
        || t.Namespace == "GmTools.Server.Infrastructure.Idempotency" // replays any request message, generically
        || (t.DeclaringType is { } outer && (IsGrpcService(outer) || IsEdgeHelper(outer)));

    private static bool IsContractRequest(Type t) =>
        t.Namespace == "GmTools.Contracts.V1" && t.Name.EndsWith("Request", StringComparison.Ordinal);

    [GeneratedRegex(@"HasMaxLength\(\s*\d")]
    private static partial Regex LiteralMaxLength();
}
