using System.Diagnostics.CodeAnalysis;

namespace Grpc.Core;

/// <summary>
/// Marks a generated service base class with the static method that binds its methods
/// (<c>BindService(ServiceBinderBase, TService)</c>), so a server can discover them.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = true, AllowMultiple = false)]
#pragma warning disable CA1813 // Unsealed to match grpc-dotnet's API shape.
public class BindServiceMethodAttribute : Attribute
#pragma warning restore CA1813
{
    private const DynamicallyAccessedMemberTypes BindMethodMembers = DynamicallyAccessedMemberTypes.PublicMethods | DynamicallyAccessedMemberTypes.NonPublicMethods;

    /// <summary>
    /// Creates the attribute.
    /// </summary>
    /// <param name="bindType">The type that declares the bind method.</param>
    /// <param name="bindMethodName">The name of the bind method.</param>
    public BindServiceMethodAttribute([DynamicallyAccessedMembers(BindMethodMembers)] Type bindType, string bindMethodName)
    {
        BindType = bindType;
        BindMethodName = bindMethodName;
    }

    /// <summary>Gets the type that declares the bind method.</summary>
    [DynamicallyAccessedMembers(BindMethodMembers)]
    public Type BindType { get; }

    /// <summary>Gets the name of the bind method.</summary>
    public string BindMethodName { get; }
}
