using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;

namespace Propagation.Interceptors.Tests;

/// <summary>
/// Approval test of Propagation.Interceptors' public surface: a change to it must update
/// <c>PublicApi.Interceptors.txt</c> (next to this file) in the same commit, so it is visible in review.
/// </summary>
public sealed class InterceptorsPublicApiTests
{
    [Fact]
    public void PublicSurface_MatchesApprovedFile()
    {
        // Arrange
        var approvedPath = Path.Combine(Path.GetDirectoryName(SourceFile())!, "PublicApi.Interceptors.txt");
        var approved = File.ReadAllText(approvedPath).ReplaceLineEndings("\n").Trim();

        // Act
        var actual = Describe(typeof(TracingInterceptor).Assembly).Trim();

        // Assert
        if (!string.Equals(approved, actual, StringComparison.Ordinal))
        {
            var received = Path.Combine(Path.GetTempPath(), "PublicApi.Interceptors.received.txt");
            File.WriteAllText(received, actual + "\n");
            Assert.Fail($"The public API changed; review {received} and copy it over {approvedPath}.");
        }
    }

    private static string SourceFile([CallerFilePath] string path = "") => path;

    private static string Describe(Assembly assembly)
    {
        const BindingFlags Flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var builder = new StringBuilder();
        foreach (var type in assembly.GetExportedTypes().OrderBy(t => t.FullName, StringComparer.Ordinal))
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
        MethodInfo m => $"{(m.IsStatic ? "static " : string.Empty)}{Name(m.ReturnType)} {m.Name}{GenericArguments(m)}({Parameters(m)})",
        PropertyInfo p => $"{(p.GetMethod?.IsStatic == true ? "static " : string.Empty)}{Name(p.PropertyType)} {p.Name} {{ {(p.GetMethod?.IsPublic == true ? "get; " : string.Empty)}{(p.SetMethod?.IsPublic == true ? "set; " : string.Empty)}}}",
        FieldInfo { IsLiteral: true } f => $"const {Name(f.FieldType)} {f.Name} = {f.GetRawConstantValue()}",
        FieldInfo f => $"{(f.IsStatic ? "static " : string.Empty)}{Name(f.FieldType)} {f.Name}",
        _ => member.ToString() ?? member.Name,
    };

    private static string GenericArguments(MethodInfo method) =>
        method.IsGenericMethodDefinition ? $"<{string.Join(", ", method.GetGenericArguments().Select(a => a.Name))}>" : string.Empty;

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
