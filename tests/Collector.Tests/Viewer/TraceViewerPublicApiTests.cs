using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.AspNetCore.Builder;

namespace Propagation.Collector.Tests.Viewer;

/// <summary>Approval test of the trace viewer's public surface: a change to it must update
/// <c>PublicApi.Viewer.txt</c> (next to this file) in the same commit, so it is visible in review.</summary>
public sealed class TraceViewerPublicApiTests
{
    private static readonly Type[] Tracked = [typeof(TraceViewerEndpointRouteBuilderExtensions)];

    [Fact]
    public void PublicSurface_MatchesApprovedFile()
    {
        var approvedPath = Path.Combine(Path.GetDirectoryName(SourceFile())!, "PublicApi.Viewer.txt");
        var approved = File.ReadAllText(approvedPath).ReplaceLineEndings("\n").Trim();

        var actual = Describe().Trim();

        if (!string.Equals(approved, actual, StringComparison.Ordinal))
        {
            var received = Path.Combine(Path.GetTempPath(), "PublicApi.Viewer.received.txt");
            File.WriteAllText(received, actual + "\n");
            Assert.Fail($"The public API changed; review {received} and copy it over {approvedPath}.");
        }
    }

    [Fact]
    public void Assembly_PublicViewerTypes_AreAllTracked()
    {
        var viewerTypes = typeof(SpanStore).Assembly.GetExportedTypes()
            .Where(t => t.Name.StartsWith("TraceViewer", StringComparison.Ordinal));

        Assert.Equal(Tracked.Select(t => t.FullName).Order(StringComparer.Ordinal), viewerTypes.Select(t => t.FullName).Order(StringComparer.Ordinal));
    }

    private static string SourceFile([CallerFilePath] string path = "") => path;

    private static string Describe()
    {
        const BindingFlags Flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var builder = new StringBuilder();
        foreach (var type in Tracked.OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            builder.Append(type is { IsAbstract: true, IsSealed: true } ? "static class " : "class ").Append(type.FullName).Append('\n');
            var members = type.GetMembers(Flags)
                .Where(m => m is not MethodInfo { IsSpecialName: true })
                .Select(Signature)
                .Order(StringComparer.Ordinal);
            foreach (var member in members)
            {
                builder.Append("  ").Append(member).Append('\n');
            }
        }

        return builder.ToString();
    }

    private static string Signature(MemberInfo member) => member switch
    {
        MethodInfo m => $"{(m.IsStatic ? "static " : string.Empty)}{m.ReturnType.Name} {m.Name}({Parameters(m)})",
        FieldInfo f when f.IsLiteral => $"const {f.FieldType.Name} {f.Name} = {f.GetRawConstantValue()}",
        _ => member.ToString() ?? member.Name,
    };

    private static string Parameters(MethodBase method) =>
        string.Join(", ", method.GetParameters().Select(p => $"{p.ParameterType.Name} {p.Name}{(p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : string.Empty)}"));
}
