namespace Grpc.Core;

/// <summary>
/// A description of a remote method, independent of its message types.
/// </summary>
public interface IMethod
{
    /// <summary>Gets the type of the method.</summary>
    MethodType Type { get; }

    /// <summary>Gets the fully qualified name of the service, for example <c>helloworld.Greeter</c>.</summary>
    string ServiceName { get; }

    /// <summary>Gets the unqualified name of the method, for example <c>SayHello</c>.</summary>
    string Name { get; }

    /// <summary>Gets the path of the method on the wire: <c>/ServiceName/Name</c>.</summary>
    string FullName { get; }
}
