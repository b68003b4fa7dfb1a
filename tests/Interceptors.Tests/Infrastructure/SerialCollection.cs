namespace Propagation.Interceptors.Tests.Infrastructure;

/// <summary>Tests that change process-wide listening (AddTracing's pipeline) run in this collection, alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Serial (process-wide listeners)";
}
