namespace Propagation.Middleware.Internal;

/// <summary>
/// The boxed value of the last port asked for, so spans to or on one port share one box instead of boxing the
/// attribute value on every call. One immutable box, swapped whole: a race only costs a second box.
/// </summary>
internal sealed class LastPortBox
{
    private object? _last;

    /// <summary>Returns <paramref name="port"/> boxed, reusing the last box when it holds the same value.</summary>
    public object Get(int port)
    {
        var last = Volatile.Read(ref _last);
        if (last is int cached && cached == port)
        {
            return last;
        }

        last = port;
        Volatile.Write(ref _last, last);
        return last;
    }
}
