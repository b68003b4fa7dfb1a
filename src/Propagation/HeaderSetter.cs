namespace Propagation;

/// <summary>
/// Writes one header to a carrier, replacing any value it already has under that name
/// (never appending a duplicate line).
/// </summary>
/// <typeparam name="TCarrier">The carrier type.</typeparam>
/// <param name="carrier">The carrier to write.</param>
/// <param name="name">The header name.</param>
/// <param name="value">The value, already validated and formatted by a codec.</param>
public delegate void HeaderSetter<in TCarrier>(TCarrier carrier, string name, string value);
