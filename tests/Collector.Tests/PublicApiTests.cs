using System.Reflection;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Propagation.Collector.Tests;

/// <summary>Approval test of the store/query/analysis/API public surface: a change to it must update
/// <c>PublicApi.Store.txt</c> in the same commit, so it is visible in review. (The pipeline, exporters and viewer
/// track their own types.)</summary>
public sealed class PublicApiTests
{
    private static readonly Type[] Tracked =
    [
        typeof(StoredSpan), typeof(SpanTag), typeof(SpanEvent), typeof(SpanLink), typeof(SpanStore), typeof(SpanStoreOptions),
        typeof(SpanStoreStatistics), typeof(SpanStoreExporter), typeof(SpanQuery), typeof(SpanSortField), typeof(SortDirection),
        typeof(SpanSearchResult), typeof(SpanAnalysis), typeof(TraceSummary), typeof(OperationStatistics), typeof(OperationClass),
        typeof(PerformanceGrade), typeof(GradeThresholds), typeof(PerformanceGradingOptions), typeof(Bottleneck),
        typeof(DependencyEdge), typeof(ErrorSpan), typeof(ExceptionInfo), typeof(IPropagationHealthSource),
        typeof(PropagationHealthSnapshot), typeof(IExporterStatusSource), typeof(ExporterStatus),
        typeof(SpanStoreServiceCollectionExtensions), typeof(TracingApiEndpointRouteBuilderExtensions),
    ];

    [Fact]
    public void PublicSurface_MatchesApprovedFile()
    {
        var approvedPath = Path.Combine(AppContext.BaseDirectory, "PublicApi.Store.txt");
        var approved = File.ReadAllText(approvedPath).ReplaceLineEndings("\n").Trim();

        var actual = Describe().Trim();

        if (!string.Equals(approved, actual, StringComparison.Ordinal))
        {
            var received = Path.Combine(Path.GetTempPath(), "PublicApi.Store.received.txt");
            File.WriteAllText(received, actual + "\n");
            Assert.Fail($"The public API changed; review {received} and copy it over tests/Collector.Tests/PublicApi.Store.txt.");
        }
    }

    private static string Describe()
    {
        const BindingFlags Flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var builder = new StringBuilder();
        foreach (var type in Tracked.OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            builder.Append(Kind(type)).Append(' ').Append(type.FullName);
            if (type.BaseType is { } baseType && baseType != typeof(object) && baseType != typeof(ValueType) && baseType != typeof(Enum))
            {
                builder.Append(" : ").Append(Name(baseType));
            }

            builder.Append('\n');
            var members = type.GetMembers(Flags)
                .Where(m => m is not MethodInfo { IsSpecialName: true })
                .Where(m => !IsCompilerGenerated(m))
                .Select(Signature)
                .Order(StringComparer.Ordinal);
            foreach (var member in members)
            {
                builder.Append("  ").Append(member).Append('\n');
            }
        }

        return builder.ToString();
    }

    private static bool IsCompilerGenerated(MemberInfo member) =>
        member.Name is "<Clone>$" or "EqualityContract" or "Deconstruct" or "PrintMembers" or "GetHashCode" or "Equals" or "ToString";

    private static string Kind(Type type) => type switch
    {
        { IsInterface: true } => "interface",
        { IsEnum: true } => "enum",
        { IsValueType: true } => "struct",
        { IsAbstract: true, IsSealed: true } => "static class",
        { IsSealed: true } => "sealed class",
        _ => "class",
    };

    private static string Signature(MemberInfo member) => member switch
    {
        ConstructorInfo c => $"ctor({Parameters(c)})",
        MethodInfo m => $"{(m.IsStatic ? "static " : string.Empty)}{Name(m.ReturnType)} {m.Name}({Parameters(m)})",
        PropertyInfo p => $"{Name(p.PropertyType)} {p.Name} {{ {(p.GetMethod?.IsPublic == true ? "get; " : string.Empty)}{(p.SetMethod?.IsPublic == true ? (p.SetMethod.ReturnParameter.GetRequiredCustomModifiers().Any(t => t.Name == "IsExternalInit") ? "init; " : "set; ") : string.Empty)}}}",
        FieldInfo f when f.IsLiteral => $"const {Name(f.FieldType)} {f.Name} = {f.GetRawConstantValue()}",
        FieldInfo f => $"{(f.IsStatic ? "static " : string.Empty)}{Name(f.FieldType)} {f.Name}",
        _ => member.ToString() ?? member.Name,
    };

    private static string Parameters(MethodBase method) =>
        string.Join(", ", method.GetParameters().Select(p => $"{(p.ParameterType.IsByRef ? "in " : string.Empty)}{Name(p.ParameterType)} {p.Name}{(p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : string.Empty)}"));

    private static string Name(Type type)
    {
        if (type.IsByRef)
        {
            return Name(type.GetElementType()!);
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return Name(underlying) + "?";
        }

        if (!type.IsGenericType)
        {
            return type.Name;
        }

        var name = type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)];
        return $"{name}<{string.Join(", ", type.GetGenericArguments().Select(Name))}>";
    }
}
