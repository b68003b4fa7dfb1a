namespace Propagation;

/// <summary>
/// Reads every line of one header from a carrier. Implementations are static (cached)
/// delegates so that no closure is allocated per call.
/// </summary>
/// <typeparam name="TCarrier">The carrier type: request headers, gRPC metadata, a dictionary.</typeparam>
/// <param name="carrier">The carrier to read.</param>
/// <param name="name">The header name, in the casing the format defines (carriers match case-insensitively).</param>
/// <returns>The header's lines; <see langword="default"/> when absent.</returns>
public delegate HeaderValues HeaderGetter<in TCarrier>(TCarrier carrier, string name);
