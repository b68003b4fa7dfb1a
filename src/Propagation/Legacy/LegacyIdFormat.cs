namespace Propagation;

/// <summary>How <see cref="LegacyFormat"/> writes <c>X-Trace-ID</c> and <c>X-Span-ID</c>.</summary>
public enum LegacyIdFormat
{
    /// <summary>
    /// W3C lowercase hex: 32 digits for the trace id, 16 for the span id (the default).
    /// </summary>
    Hex = 0,

    /// <summary>
    /// Lowercase UUIDs (8-4-4-4-12). A span id is written with its first 8 bytes zero and its
    /// last 8 bytes the span id, which extraction maps back to the same 64-bit id.
    /// </summary>
    Uuid = 1,
}
