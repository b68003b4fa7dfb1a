namespace Grpc.Core;

/// <summary>
/// Per-call credentials. Declared so that <see cref="CallOptions"/> has grpc-dotnet's shape;
/// this implementation does not support call credentials, so no instance can be created.
/// </summary>
public abstract class CallCredentials
{
    internal CallCredentials()
    {
    }
}
