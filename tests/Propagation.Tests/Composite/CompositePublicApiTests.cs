using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using Propagation.OpenTelemetry;

namespace Propagation.Tests.Composite;

/// <summary>
/// Approval test of the public surface of the legacy, B3, composite and adapter types: a change to
/// it must update <c>CompositePublicApi.approved.txt</c> (next to this file) in the same commit.
/// </summary>
public class CompositePublicApiTests
{
    private static readonly Type[] Tracked =
    [
        typeof(LegacyFormat), typeof(LegacyIdFormat), typeof(B3Format), typeof(B3SingleFormat),
        typeof(TracePropagator), typeof(PropagationOptions), typeof(TrustPolicy), typeof(InjectionScope),
        typeof(ExtractedContext), typeof(PropagationLink), typeof(PropagationLinkReason), typeof(PropagationAttributes),
        typeof(PropagationHealth), typeof(PropagationDistributedContextPropagator), typeof(PropagationTextMapPropagator),
    ];

    [Fact]
    public void PublicSurface_MatchesApprovedFile()
    {
        var approvedPath = Path.Combine(SourceDirectory(), "CompositePublicApi.approved.txt");
        var approved = File.ReadAllText(approvedPath).ReplaceLineEndings("\n").Trim();

        var actual = Describe().Trim();

        if (!string.Equals(approved, actual, StringComparison.Ordinal))
        {
            var received = Path.Combine(Path.GetTempPath(), "CompositePublicApi.received.txt");
            File.WriteAllText(received, actual + "\n");
            Assert.Fail($"The public API changed; review {received} and copy it over {approvedPath}.");
        }
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    private static string Describe()
    {
        const BindingFlags Flags = BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var builder = new StringBuilder();
        foreach (var type in Tracked.OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            builder.Append(KindOf(type)).Append(' ').Append(type.FullName);
            if (type.BaseType is { } baseType && baseType != typeof(object) && baseType != typeof(ValueType) && baseType != typeof(Enum))
            {
                builder.Append(" : ").Append(baseType.Name);
            }

            builder.Append('\n');
            foreach (var member in type.GetMembers(Flags)
                .Where(m => (m is not MethodInfo { IsSpecialName: true } || m.Name.StartsWith("op_", StringComparison.Ordinal)) && m is not FieldInfo { IsSpecialName: true })
                .Select(Describe)
                .Order(StringComparer.Ordinal))
            {
                builder.Append("  ").Append(member).Append('\n');
            }
        }

        return builder.ToString();
    }

    private static string KindOf(Type type) => type switch
    {
        { IsInterface: true } => "interface",
        { IsEnum: true } => "enum",
        { IsValueType: true } => "struct",
        { IsAbstract: true, IsSealed: true } => "static class",
        { IsSealed: true } => "sealed class",
        _ => "class",
    };

    private static string Describe(MemberInfo member) => member switch
    {
        FieldInfo { IsLiteral: true } field when field.DeclaringType!.IsEnum => $"{field.Name} = {Convert.ToInt64(field.GetRawConstantValue(), System.Globalization.CultureInfo.InvariantCulture)}",
        FieldInfo { IsLiteral: true } field => $"const {TypeName(field.FieldType)} {field.Name} = {field.GetRawConstantValue()}",
        FieldInfo field => $"{(field.IsStatic ? "static " : string.Empty)}{TypeName(field.FieldType)} {field.Name}",
        PropertyInfo property => $"{(property.GetMethod?.IsStatic == true ? "static " : string.Empty)}{TypeName(property.PropertyType)} {property.Name} {{ {(property.GetMethod?.IsPublic == true ? "get; " : string.Empty)}{SetterOf(property)}}}",
        ConstructorInfo ctor => $"ctor({Parameters(ctor)})",
        MethodInfo method => $"{(method.IsStatic ? "static " : string.Empty)}{TypeName(method.ReturnType)} {method.Name}{GenericArguments(method)}({Parameters(method)})",
        _ => $"{member.MemberType} {member.Name}",
    };

    private static string SetterOf(PropertyInfo property)
    {
        if (property.SetMethod is not { IsPublic: true } setter)
        {
            return string.Empty;
        }

        return setter.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.Name == "IsExternalInit") ? "init; " : "set; ";
    }

    private static string GenericArguments(MethodInfo method) =>
        method.IsGenericMethodDefinition ? "<" + string.Join(", ", method.GetGenericArguments().Select(a => a.Name)) + ">" : string.Empty;

    private static string Parameters(MethodBase method) => string.Join(", ", method.GetParameters().Select(p =>
        $"{(p.IsIn ? "in " : p.IsOut ? "out " : p.ParameterType.IsByRef ? "ref " : string.Empty)}{TypeName(p.ParameterType)} {p.Name}{(p.HasDefaultValue ? " = " + (p.DefaultValue ?? "null") : string.Empty)}"));

    private static string TypeName(Type type)
    {
        if (type.IsByRef)
        {
            return TypeName(type.GetElementType()!);
        }

        if (type.IsArray)
        {
            return TypeName(type.GetElementType()!) + "[]";
        }

        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return TypeName(underlying) + "?";
        }

        if (!type.IsGenericType)
        {
            return type.Name;
        }

        var name = type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)];
        return name + "<" + string.Join(", ", type.GetGenericArguments().Select(TypeName)) + ">";
    }
}
