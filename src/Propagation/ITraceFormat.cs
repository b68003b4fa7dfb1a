namespace Propagation;

/// <summary>
/// One trace-context header format (W3C Trace Context, legacy, B3) that can read and write a
/// <see cref="PropagatedContext"/> over any carrier. The composite propagator combines several.
/// </summary>
/// <remarks>
/// Extraction never throws for wire data: an invalid header is treated as absent and the
/// reason is OR-ed into the <c>issues</c> argument. Extraction never changes the carrier.
/// </remarks>
public interface ITraceFormat
{
    /// <summary>Gets the format this codec handles.</summary>
    PropagationFormat Format { get; }

    /// <summary>Gets the header names this format reads and writes.</summary>
    IReadOnlyList<string> Fields { get; }

    /// <summary>Reads the format's headers from <paramref name="carrier"/>.</summary>
    /// <typeparam name="TCarrier">The carrier type.</typeparam>
    /// <param name="carrier">The carrier to read.</param>
    /// <param name="getter">A static getter for the carrier.</param>
    /// <param name="context">The extracted context; <see langword="default"/> when absent or invalid.</param>
    /// <param name="issues">Accumulates every reason a header was rejected or trimmed.</param>
    /// <returns><see langword="true"/> when a valid context was found.</returns>
    bool TryExtract<TCarrier>(TCarrier carrier, HeaderGetter<TCarrier> getter, out PropagatedContext context, ref PropagationIssues issues);

    /// <summary>Writes <paramref name="context"/> to <paramref name="carrier"/> in this format.</summary>
    /// <typeparam name="TCarrier">The carrier type.</typeparam>
    /// <param name="context">The context to send; nothing is written when it is not valid.</param>
    /// <param name="carrier">The carrier to write.</param>
    /// <param name="setter">A static setter for the carrier; it replaces existing values.</param>
    void Inject<TCarrier>(in PropagatedContext context, TCarrier carrier, HeaderSetter<TCarrier> setter);
}
