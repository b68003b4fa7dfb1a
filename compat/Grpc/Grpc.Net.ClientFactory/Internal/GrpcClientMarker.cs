namespace Grpc.Net.ClientFactory.Internal;

/// <summary>
/// Registered by <c>AddGrpcClient</c> so builder extensions can check that a builder belongs to a gRPC client.
/// </summary>
internal sealed class GrpcClientMarker
{
    public GrpcClientMarker(string name)
    {
        Name = name;
    }

    public string Name { get; }
}
