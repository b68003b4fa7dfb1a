namespace Propagation.Collector.Internal.Api;

/// <summary>Endpoint metadata that marks the endpoints of one <c>MapTracingApi</c> call, for the start-up
/// authorization check.</summary>
internal sealed class TracingApiEndpointMarker(string prefix)
{
    public string Prefix { get; } = prefix;
}
