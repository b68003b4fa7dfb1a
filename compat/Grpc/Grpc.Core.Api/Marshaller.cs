using Grpc.Core.Internal;

namespace Grpc.Core;

/// <summary>
/// Turns messages of type <typeparamref name="T"/> into bytes and back.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
/// <remarks>
/// Built either from a simple pair (object to array, array to object) or from a contextual pair
/// (object to <see cref="SerializationContext"/>, <see cref="DeserializationContext"/> to object);
/// both pairs are always available, the missing one is derived from the other.
/// </remarks>
public class Marshaller<T>
{
    /// <summary>
    /// Creates a marshaller from a simple serializer and deserializer.
    /// </summary>
    /// <param name="serializer">Turns a message into bytes.</param>
    /// <param name="deserializer">Turns bytes into a message.</param>
    public Marshaller(Func<T, byte[]> serializer, Func<byte[], T> deserializer)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        ArgumentNullException.ThrowIfNull(deserializer);
        Serializer = serializer;
        Deserializer = deserializer;
        ContextualSerializer = (message, context) => context.Complete(serializer(message));
        ContextualDeserializer = context => deserializer(context.PayloadAsNewBuffer());
    }

    /// <summary>
    /// Creates a marshaller from a contextual serializer and deserializer.
    /// </summary>
    /// <param name="serializer">Writes a message to a serialization context.</param>
    /// <param name="deserializer">Reads a message from a deserialization context.</param>
    public Marshaller(Action<T, SerializationContext> serializer, Func<DeserializationContext, T> deserializer)
    {
        ArgumentNullException.ThrowIfNull(serializer);
        ArgumentNullException.ThrowIfNull(deserializer);
        ContextualSerializer = serializer;
        ContextualDeserializer = deserializer;
        Serializer = message =>
        {
            var context = new ArraySerializationContext();
            serializer(message, context);
            return context.GetPayload();
        };
        Deserializer = payload => deserializer(new ArrayDeserializationContext(payload));
    }

    /// <summary>Gets the simple serializer.</summary>
    public Func<T, byte[]> Serializer { get; }

    /// <summary>Gets the simple deserializer.</summary>
    public Func<byte[], T> Deserializer { get; }

    /// <summary>Gets the contextual serializer.</summary>
    public Action<T, SerializationContext> ContextualSerializer { get; }

    /// <summary>Gets the contextual deserializer.</summary>
    public Func<DeserializationContext, T> ContextualDeserializer { get; }
}
