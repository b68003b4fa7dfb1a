using System.Reflection;
using System.Text;
using Grpc.Core;

namespace Grpc.Compat.Tests.Core;

/// <summary>
/// Approval test of the client-side public API (Grpc.Core, Grpc.Core.Interceptors, Grpc.Net.Client,
/// Grpc.Net.ClientFactory and the client DI extensions): every public member must also exist in
/// grpc-dotnet with the same signature, so any change here has to be reviewed against it.
/// On a mismatch the actual listing is written next to the test binary as PublicApi.received.txt.
/// </summary>
public class PublicApiTests
{
    private static readonly string[] Namespaces = ["Grpc.Core", "Grpc.Core.Interceptors", "Grpc.Net.Client", "Grpc.Net.ClientFactory"];
    private static readonly string[] ExtensionClasses = ["Microsoft.Extensions.DependencyInjection.GrpcClientServiceExtensions", "Microsoft.Extensions.DependencyInjection.GrpcHttpClientBuilderExtensions"];

    // Server-side types that live in Grpc.Core (owned by Grpc.AspNetCore.Server/).
    private static readonly string[] ServerTypes = ["Grpc.Core.ServerCallContextExtensions"];

    [Fact]
    public void PublicApi_ClientSide_MatchesApprovedListing()
    {
        var approvedPath = Path.Combine(AppContext.BaseDirectory, "Core", "PublicApi.approved.txt");
        var actual = Describe(typeof(Metadata).Assembly);

        var approved = File.ReadAllText(approvedPath).ReplaceLineEndings("\n");
        if (approved != actual)
        {
            File.WriteAllText(Path.Combine(AppContext.BaseDirectory, "PublicApi.received.txt"), actual);
        }

        Assert.Equal(approved, actual);
    }

    private static string Describe(Assembly assembly)
    {
        var lines = new List<string>();
        foreach (var type in assembly.GetExportedTypes())
        {
            if ((!Namespaces.Contains(type.Namespace) && !ExtensionClasses.Contains(type.FullName)) || ServerTypes.Contains(type.FullName))
            {
                continue;
            }

            lines.Add(Name(type) + " [" + BaseList(type).Trim() + "]");
            const BindingFlags flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var member in type.GetMembers(flags))
            {
                if (typeof(Delegate).IsAssignableFrom(type) && member.Name != "Invoke")
                {
                    continue;
                }

                var line = Describe(type, member);
                if (line is not null)
                {
                    lines.Add(Name(type) + "::" + line);
                }
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return string.Join("\n", lines) + "\n";
    }

    private static string? Describe(Type type, MemberInfo member)
    {
        switch (member)
        {
            case ConstructorInfo c when IsVisible(c):
                return Access(c) + "ctor(" + Parameters(c) + ")";
            case MethodInfo m when IsVisible(m) && !m.IsSpecialName:
                var generic = m.IsGenericMethodDefinition ? "<" + string.Join(",", m.GetGenericArguments().Select(a => a.Name)) + ">" : string.Empty;
                var modifiers = (m.IsStatic ? "static " : string.Empty) + (m.IsAbstract ? "abstract " : m.IsVirtual && !m.IsFinal && !type.IsInterface ? "virtual " : string.Empty);
                return Access(m) + modifiers + m.Name + generic + "(" + Parameters(m) + ") : " + Name(m.ReturnType);
            case PropertyInfo p:
                var getter = p.GetMethod is { } g && IsVisible(g) ? Access(g) + "get;" : string.Empty;
                var setter = p.SetMethod is { } s && IsVisible(s) ? Access(s) + "set;" : string.Empty;
                return getter.Length + setter.Length == 0 ? null : "property " + Name(p.PropertyType) + " " + p.Name + (p.GetIndexParameters().Length > 0 ? "[" + string.Join(",", p.GetIndexParameters().Select(i => Name(i.ParameterType))) + "]" : string.Empty) + " { " + getter + setter + " }";
            case FieldInfo f when (f.IsPublic || f.IsFamily || f.IsFamilyOrAssembly) && !f.IsSpecialName:
                return (f.IsLiteral ? "const " : f.IsStatic ? "static " : string.Empty) + (f.IsInitOnly ? "readonly " : string.Empty) + Name(f.FieldType) + " " + f.Name;
            case Type nested when nested.IsNestedPublic || nested.IsNestedFamily || nested.IsNestedFamORAssem:
                return "nested " + nested.Name;
            default:
                return null;
        }
    }

    private static bool IsVisible(MethodBase method) => method.IsPublic || method.IsFamily || method.IsFamilyOrAssembly;

    private static string Access(MethodBase method) => method.IsPublic ? string.Empty : "protected ";

    private static string Parameters(MethodBase method) => string.Join(", ", method.GetParameters().Select(p =>
        (p.IsDefined(typeof(ParamArrayAttribute)) ? "params " : string.Empty) + Name(p.ParameterType) + (p.HasDefaultValue ? " = default" : string.Empty)));

    private static string BaseList(Type type)
    {
        var parts = new List<string>();
        if (type.BaseType is { } b && b != typeof(object) && b != typeof(ValueType) && b != typeof(Enum) && b != typeof(MulticastDelegate))
        {
            parts.Add(Name(b));
        }

        var isDelegate = typeof(Delegate).IsAssignableFrom(type);
        if (!type.IsEnum && !isDelegate)
        {
            parts.AddRange(type.GetInterfaces().Where(i => i.IsPublic || i.IsNestedPublic).Select(Name).Order(StringComparer.Ordinal));
        }

        var kind = type.IsInterface ? " interface" : type.IsEnum ? " enum" : type.IsValueType ? " struct" : isDelegate ? " delegate" : (type.IsAbstract && type.IsSealed ? " static" : type.IsAbstract ? " abstract" : type.IsSealed ? " sealed" : " class");
        return kind + (parts.Count > 0 ? " : " + string.Join(", ", parts) : string.Empty);
    }

    private static string Name(Type type)
    {
        if (type.IsGenericParameter)
        {
            return type.Name;
        }

        if (type.IsByRef)
        {
            return "ref " + Name(type.GetElementType()!);
        }

        if (type.IsArray)
        {
            return Name(type.GetElementType()!) + "[]";
        }

        var builder = new StringBuilder();
        if (type.DeclaringType is { } declaring && !type.IsGenericParameter)
        {
            builder.Append(Name(declaring)).Append('.');
        }
        else if (type.Namespace is not null)
        {
            builder.Append(type.Namespace).Append('.');
        }

        var name = type.Name;
        var tick = name.IndexOf('`', StringComparison.Ordinal);
        builder.Append(tick >= 0 ? name[..tick] : name);
        var args = type.GetGenericArguments();
        var ownArgs = type.DeclaringType is { } d ? args.Skip(d.GetGenericArguments().Length).ToArray() : args;
        if (ownArgs.Length > 0)
        {
            builder.Append('<').Append(string.Join(",", ownArgs.Select(Name))).Append('>');
        }

        return builder.ToString();
    }
}
