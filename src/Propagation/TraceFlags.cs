using System.Diagnostics.CodeAnalysis;

namespace Propagation;

/// <summary>The W3C Trace Context Level 2 trace-flags bit field.</summary>
/// <remarks>Only the bits defined here are propagated; unknown bits are zeroed on output.</remarks>
[Flags]
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "W3C names the field trace-flags; the BCL has ActivityTraceFlags.")]
public enum TraceFlags : byte
{
    /// <summary>No flag set: the caller did not record (sample) its span.</summary>
    None = 0,

    /// <summary>The caller may have recorded its span (W3C <c>sampled</c>, bit 0).</summary>
    Sampled = 0x01,

    /// <summary>The rightmost 7 bytes of the trace id are random (W3C Level 2 <c>random-trace-id</c>, bit 1).</summary>
    Random = 0x02,
}
