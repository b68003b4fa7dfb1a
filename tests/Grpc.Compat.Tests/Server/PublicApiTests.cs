using System.Reflection;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Propagation.Testing;

namespace Grpc.Compat.Tests.Server;

/// <summary>
/// Approval test of the server's public surface: any change to it must show up as a change to
/// compat/Grpc/Grpc.AspNetCore.Server/PublicAPI.Shipped.txt (which must match grpc-dotnet's shapes).
/// </summary>
public sealed class PublicApiTests
{
    private static readonly Type[] ServerTypes =
    [
        typeof(GrpcServiceOptions),
        typeof(GrpcServiceOptions<>),
        typeof(IGrpcServerBuilder),
        typeof(InterceptorCollection),
        typeof(InterceptorRegistration),
        typeof(GrpcServicesExtensions),
        typeof(GrpcEndpointRouteBuilderExtensions),
        typeof(GrpcServiceEndpointConventionBuilder),
        typeof(ServerCallContextExtensions),
    ];

    [Fact]
    public void PublicApi_ServerTypes_MatchApprovedFile()
    {
        // Arrange
        var approvedPath = Path.Combine(RepositoryRoot.Find(), "compat", "Grpc", "Grpc.AspNetCore.Server", "PublicAPI.Shipped.txt");
        var approved = File.ReadAllLines(approvedPath).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

        // Act
        var actual = Describe(ServerTypes);

        // Assert
        Assert.True(approved.SequenceEqual(actual), "Public API changed. Current surface:\n" + string.Join("\n", actual));
    }

    [Fact]
    public void PublicApi_ServerNamespace_HasNoUnlistedPublicTypes()
    {
        // Act
        var unlisted = typeof(GrpcServiceOptions).Assembly.GetExportedTypes()
            .Where(t => t.Namespace == "Grpc.AspNetCore.Server" && !ServerTypes.Contains(t.IsGenericType ? t.GetGenericTypeDefinition() : t))
            .Select(t => t.FullName)
            .ToList();

        // Assert
        Assert.Empty(unlisted);
    }

    private static List<string> Describe(IEnumerable<Type> types)
    {
        const BindingFlags Flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        var lines = new List<string>();
        foreach (var type in types.OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            var kind = type.IsInterface ? "interface" : type.IsAbstract && type.IsSealed ? "static class" : type.IsSealed ? "sealed class" : "class";
            var baseType = type.BaseType is { } b && b != typeof(object) ? " : " + b : string.Empty;
            lines.Add($"{kind} {type}{baseType}");
            var members = type.GetMembers(Flags)
                .Where(IsVisible)
                .Select(m => $"  {type.Name}.{Signature(m)}")
                .OrderBy(s => s, StringComparer.Ordinal);
            lines.AddRange(members);
        }

        return lines;
    }

    private static bool IsVisible(MemberInfo member) => member switch
    {
        MethodBase m => (m.IsPublic || m.IsFamily || m.IsFamilyOrAssembly) && !m.IsSpecialName || m is ConstructorInfo { IsPublic: true } or ConstructorInfo { IsFamily: true },
        PropertyInfo p => p.GetAccessors(nonPublic: true).Any(a => a.IsPublic || a.IsFamily),
        FieldInfo f => f.IsPublic || f.IsFamily,
        _ => false,
    };

    private static string Signature(MemberInfo member) => member switch
    {
        PropertyInfo p => $"{p.Name} : {p.PropertyType} {{{(p.GetMethod?.IsPublic == true ? " get;" : string.Empty)}{(p.SetMethod?.IsPublic == true ? " set;" : string.Empty)} }}",
        _ => member.ToString()!,
    };
}
