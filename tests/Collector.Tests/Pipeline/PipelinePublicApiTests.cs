using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.DependencyInjection;

namespace Propagation.Collector.Tests.Pipeline;

/// <summary>Approval test of the pipeline and exporters' public surface: a change to it must update
/// <c>PublicApi.Pipeline.txt</c> (next to this file) in the same commit, so it is visible in review.</summary>
public sealed class PipelinePublicApiTests
{
    private static readonly Type[] Tracked =
    [
        typeof(TracingPipelineServiceCollectionExtensions), typeof(TracingPipelineServiceProviderExtensions), typeof(TracingPipelineOptions), typeof(TracingExporterNames),
        typeof(TracingOwner), typeof(TracingOwnership), typeof(ExportStatistics), typeof(ConsoleSpanExporter),
        typeof(JsonSpanExporter),
    ];

    [Fact]
    public void PublicSurface_MatchesApprovedFile()
    {
        var approvedPath = Path.Combine(Path.GetDirectoryName(SourceFile())!, "PublicApi.Pipeline.txt");
        var approved = File.ReadAllText(approvedPath).ReplaceLineEndings("\n").Trim();

        var actual = Describe().Trim();

        if (!string.Equals(approved, actual, StringComparison.Ordinal))
        {
            var received = Path.Combine(Path.GetTempPath(), "PublicApi.Pipeline.received.txt");
            File.WriteAllText(received, actual + "\n");
            Assert.Fail($"The public API changed; review {received} and copy it over {approvedPath}.");
        }
    }

    private static string SourceFile([CallerFilePath] string path = "") => path;

    private static string Describe()
    {
        const BindingFlags Flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var builder = new StringBuilder();
        foreach (var type in Tracked.OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            var kind = type switch
            {
                { IsInterface: true } => "interface",
                { IsAbstract: true, IsSealed: true } => "static class",
                { IsSealed: true } => "sealed class",
                _ => "class",
            };
            builder.Append(kind).Append(' ').Append(type.FullName);
            if (type.BaseType is { } baseType && baseType != typeof(object))
            {
                builder.Append(" : ").Append(Name(baseType));
            }

            foreach (var implemented in type.GetInterfaces().Select(Name).Order(StringComparer.Ordinal))
            {
                builder.Append(", ").Append(implemented);
            }

            builder.Append('\n');
            foreach (var member in type.GetMembers(Flags).Where(m => m is not MethodInfo { IsSpecialName: true }).Select(Signature).Order(StringComparer.Ordinal))
            {
                builder.Append("  ").Append(member).Append('\n');
            }
        }

        return builder.ToString();
    }

    private static string Signature(MemberInfo member) => member switch
    {
        ConstructorInfo c => $"ctor({Parameters(c)})",
        MethodInfo m => $"{(m.IsStatic ? "static " : string.Empty)}{Name(m.ReturnType)} {m.Name}({Parameters(m)})",
        PropertyInfo p => $"{Name(p.PropertyType)} {p.Name} {{ {(p.GetMethod?.IsPublic == true ? "get; " : string.Empty)}{(p.SetMethod?.IsPublic == true ? "set; " : string.Empty)}}}",
        FieldInfo { IsLiteral: true } f => $"const {Name(f.FieldType)} {f.Name} = {f.GetRawConstantValue()}",
        FieldInfo f => $"{(f.IsStatic ? "static " : string.Empty)}{Name(f.FieldType)} {f.Name}",
        _ => member.ToString() ?? member.Name,
    };

    private static string Parameters(MethodBase method) =>
        string.Join(", ", method.GetParameters().Select(p => $"{(p.ParameterType.IsByRef ? "in " : string.Empty)}{Name(p.ParameterType)} {p.Name}"));

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
