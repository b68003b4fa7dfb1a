using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace Propagation.Tests.W3C;

/// <summary>
/// Approval test of the public surface of the W3C Trace Context and Baggage types: a change to it must
/// update <c>W3CPublicApi.approved.txt</c> (next to this file) in the same commit, so it is seen in review.
/// </summary>
public sealed class W3CPublicApiTests
{
    private static readonly Type[] Tracked =
    [
        typeof(TraceContextFormat), typeof(TraceParent), typeof(TraceState), typeof(TraceResponse),
        typeof(Baggage), typeof(Baggage.Enumerator), typeof(BaggageMember), typeof(BaggageFormat),
    ];

    [Fact]
    public void PublicSurface_MatchesApprovedFile()
    {
        // Arrange
        var approvedPath = Path.Combine(SourceDirectory(), "W3CPublicApi.approved.txt");
        var approved = File.ReadAllText(approvedPath).ReplaceLineEndings("\n").Trim();

        // Act
        var actual = Describe().Trim();

        // Assert
        if (!string.Equals(approved, actual, StringComparison.Ordinal))
        {
            var received = Path.Combine(Path.GetTempPath(), "W3CPublicApi.received.txt");
            File.WriteAllText(received, actual + "\n");
            Assert.Fail($"The W3C public API changed; review {received} and copy it over {approvedPath}.");
        }
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    private static string Describe()
    {
        const BindingFlags Flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var text = new StringBuilder();
        foreach (var type in Tracked.OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            var interfaces = type.GetInterfaces().Select(Name).Order(StringComparer.Ordinal).ToArray();
            text.Append(type.FullName);
            if (interfaces.Length > 0)
            {
                text.Append(" : ").Append(string.Join(", ", interfaces));
            }

            text.Append('\n');
            var members = type.GetMembers(Flags)
                .Where(m => m is not MethodInfo { IsSpecialName: true } || m.Name.StartsWith("op_", StringComparison.Ordinal))
                .Select(Member)
                .Order(StringComparer.Ordinal);
            foreach (var member in members)
            {
                text.Append("  ").Append(member).Append('\n');
            }
        }

        return text.ToString();
    }

    private static string Member(MemberInfo member) => member switch
    {
        FieldInfo { IsLiteral: true } f => $"const {Name(f.FieldType)} {f.Name} = {Convert.ToString(f.GetRawConstantValue(), CultureInfo.InvariantCulture)}",
        FieldInfo f => $"{Static(f.IsStatic)}{Name(f.FieldType)} {f.Name}",
        PropertyInfo p => $"{Static(p.GetMethod?.IsStatic == true)}{Name(p.PropertyType)} {p.Name}{Indexer(p)} {{ get; }}",
        ConstructorInfo c => $"ctor({Parameters(c)})",
        MethodInfo m => $"{Static(m.IsStatic)}{Name(m.ReturnType)} {m.Name}{(m.IsGenericMethodDefinition ? "<" + string.Join(", ", m.GetGenericArguments().Select(a => a.Name)) + ">" : string.Empty)}({Parameters(m)})",
        _ => $"{member.MemberType} {member.Name}",
    };

    private static string Static(bool isStatic) => isStatic ? "static " : string.Empty;

    private static string Indexer(PropertyInfo property)
    {
        var parameters = property.GetIndexParameters();
        return parameters.Length == 0 ? string.Empty : "[" + string.Join(", ", parameters.Select(p => Name(p.ParameterType) + " " + p.Name)) + "]";
    }

    private static string Parameters(MethodBase method) => string.Join(", ", method.GetParameters().Select(p =>
        (p.IsIn ? "in " : p.IsOut ? "out " : p.ParameterType.IsByRef ? "ref " : string.Empty)
        + Name(p.ParameterType) + " " + p.Name
        + (p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : string.Empty)));

    private static string Name(Type type)
    {
        if (type.IsByRef)
        {
            return Name(type.GetElementType()!);
        }

        if (type.IsArray)
        {
            return Name(type.GetElementType()!) + "[]";
        }

        if (!type.IsGenericType)
        {
            return type.Name;
        }

        return type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)] + "<" + string.Join(", ", type.GetGenericArguments().Select(Name)) + ">";
    }
}
