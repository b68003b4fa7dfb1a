namespace Propagation.Middleware.Tests.Infrastructure;

/// <summary>Tests that add process-wide activity listeners under load run in this collection, alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SerialCollection
{
    public const string Name = "Serial (process-wide listeners)";
}
