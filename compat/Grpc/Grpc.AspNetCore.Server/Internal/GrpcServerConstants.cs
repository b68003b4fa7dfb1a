namespace Grpc.AspNetCore.Server.Internal;

internal static class GrpcServerConstants
{
    /// <summary>The longest wait a <see cref="CancellationTokenSource"/> timer accepts (uint.MaxValue - 1 ms).</summary>
    public static readonly TimeSpan MaxTimerDueTime = TimeSpan.FromMilliseconds(uint.MaxValue - 1);
}
