namespace Propagation;

/// <summary>
/// Writes one header to a carrier, replacing any value it already has under that name
/// (never appending a duplicate line).
/// </summary>
/// <remarks>
/// The name is compared ignoring case, as <see cref="HeaderGetter{TCarrier}"/> reads it: a carrier that may hold the name
/// in another casing or several times (Kafka headers, a message's copied headers) removes every such entry before
/// writing. Injection only writes: headers it does not write this time (a <c>tracestate</c> when the context has none,
/// formats not injected) are left as the carrier has them.
/// </remarks>
/// <typeparam name="TCarrier">The carrier type.</typeparam>
/// <param name="carrier">The carrier to write.</param>
/// <param name="name">The header name.</param>
/// <param name="value">The value, already validated and formatted by a codec.</param>
public delegate void HeaderSetter<in TCarrier>(TCarrier carrier, string name, string value);
