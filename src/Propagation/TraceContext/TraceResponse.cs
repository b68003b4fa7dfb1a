using Propagation.Internal;

namespace Propagation;

/// <summary>
/// Formats and parses the W3C Trace Context Level 2 <c>traceresponse</c> response header, which has the
/// same syntax as <c>traceparent</c> (<c>version "-" trace-id "-" child-id "-" trace-flags</c>) and tells
/// the caller which trace and span served its request.
/// </summary>
/// <remarks>Parsing follows exactly the rules of <see cref="TraceParent"/>.</remarks>
public static class TraceResponse
{
    /// <summary>The header name, <c>traceresponse</c>.</summary>
    public const string HeaderName = "traceresponse";

    /// <summary>Parses a <c>traceresponse</c> value.</summary>
    /// <param name="value">The raw header value.</param>
    /// <param name="traceId">The trace id the callee used; <see langword="default"/> on failure.</param>
    /// <param name="childId">The span id of the callee's span that served the request; <see langword="default"/> on failure.</param>
    /// <param name="flags">The known flag bits; <see cref="TraceFlags.None"/> on failure.</param>
    /// <returns><see langword="true"/> when <paramref name="value"/> is valid.</returns>
    public static bool TryParse(ReadOnlySpan<char> value, out TraceId traceId, out SpanId childId, out TraceFlags flags) =>
        TraceParent.Parse(value, out traceId, out childId, out flags) == PropagationIssues.None;

    /// <summary>Formats a version-00 <c>traceresponse</c> value (55 characters).</summary>
    /// <param name="traceId">The trace id; must not be empty.</param>
    /// <param name="childId">The span id of the span that served the request; must not be empty.</param>
    /// <param name="flags">The flags; bits other than <see cref="TraceParent.KnownFlags"/> are zeroed.</param>
    /// <returns>The header value.</returns>
    /// <exception cref="ArgumentException">An id is empty (all zeros).</exception>
    public static string Format(TraceId traceId, SpanId childId, TraceFlags flags) => TraceParent.Format(traceId, childId, flags);

    /// <summary>Reads the <c>traceresponse</c> header of a response.</summary>
    /// <typeparam name="TCarrier">The carrier type (response headers).</typeparam>
    /// <param name="carrier">The carrier to read; it is never changed.</param>
    /// <param name="getter">A static getter for the carrier.</param>
    /// <param name="context">The callee's trace id, span id and flags; <see langword="default"/> when absent or invalid.</param>
    /// <returns><see langword="true"/> when exactly one valid line was present.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="carrier"/> or <paramref name="getter"/> is null.</exception>
    public static bool TryExtract<TCarrier>(TCarrier carrier, HeaderGetter<TCarrier> getter, out PropagatedContext context)
    {
        CarrierGuard.ThrowIfNull(carrier);

        ArgumentNullException.ThrowIfNull(getter);
        context = default;
        if (HeaderText.ReadSingle(getter(carrier, HeaderName), out var line) != HeaderText.SingleLine.Present
            || !TryParse(line!, out var traceId, out var childId, out var flags))
        {
            return false;
        }

        context = new PropagatedContext(traceId, childId, flags, traceState: null, PropagationFormat.TraceContext);
        return true;
    }

    /// <summary>Writes the <c>traceresponse</c> header for the span that served a request.</summary>
    /// <typeparam name="TCarrier">The carrier type (response headers).</typeparam>
    /// <param name="context">The serving span's context; nothing is written when its trace id or span id is empty.</param>
    /// <param name="carrier">The carrier to write.</param>
    /// <param name="setter">A static setter for the carrier.</param>
    /// <exception cref="ArgumentNullException"><paramref name="carrier"/> or <paramref name="setter"/> is null.</exception>
    public static void Inject<TCarrier>(in PropagatedContext context, TCarrier carrier, HeaderSetter<TCarrier> setter)
    {
        CarrierGuard.ThrowIfNull(carrier);

        ArgumentNullException.ThrowIfNull(setter);
        if (context.TraceId.IsEmpty || context.SpanId.IsEmpty)
        {
            return;
        }

        setter(carrier, HeaderName, Format(context.TraceId, context.SpanId, context.Flags));
    }
}
