namespace Propagation;

/// <summary>
/// Reads every line of one header from a carrier. Implementations are static (cached)
/// delegates so that no closure is allocated per call.
/// </summary>
/// <remarks>
/// The name is asked in the casing its format defines (<c>traceparent</c>, <c>X-Trace-ID</c>, <c>X-B3-TraceId</c>, ...):
/// a carrier whose keys are case-sensitive (Kafka headers, a plain dictionary) must compare them ignoring case, and
/// return every value stored under the name, in order, so that a repeated header is seen as one. Values stored as bytes
/// are decoded by the getter (UTF-8). An exception the getter throws is not wire data: it propagates out of the extraction unchanged.
/// </remarks>
/// <typeparam name="TCarrier">The carrier type: request headers, gRPC metadata, a dictionary.</typeparam>
/// <param name="carrier">The carrier to read.</param>
/// <param name="name">The header name, in the casing the format defines (carriers match case-insensitively).</param>
/// <returns>The header's lines; <see langword="default"/> when absent.</returns>
public delegate HeaderValues HeaderGetter<in TCarrier>(TCarrier carrier, string name);
