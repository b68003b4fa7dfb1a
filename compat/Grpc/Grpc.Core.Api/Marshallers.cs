using System.Text;

namespace Grpc.Core;

/// <summary>
/// Factory methods for <see cref="Marshaller{T}"/>.
/// </summary>
public static class Marshallers
{
    /// <summary>
    /// Gets a marshaller for UTF-8 strings.
    /// </summary>
    public static Marshaller<string> StringMarshaller { get; } = new(
        static value => Encoding.UTF8.GetBytes(value),
        static payload => Encoding.UTF8.GetString(payload));

    /// <summary>
    /// Creates a marshaller from a simple serializer and deserializer.
    /// </summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="serializer">Turns a message into bytes.</param>
    /// <param name="deserializer">Turns bytes into a message.</param>
    /// <returns>The marshaller.</returns>
    public static Marshaller<T> Create<T>(Func<T, byte[]> serializer, Func<byte[], T> deserializer)
    {
        return new Marshaller<T>(serializer, deserializer);
    }

    /// <summary>
    /// Creates a marshaller from a contextual serializer and deserializer.
    /// </summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="serializer">Writes a message to a serialization context.</param>
    /// <param name="deserializer">Reads a message from a deserialization context.</param>
    /// <returns>The marshaller.</returns>
    public static Marshaller<T> Create<T>(Action<T, SerializationContext> serializer, Func<DeserializationContext, T> deserializer)
    {
        return new Marshaller<T>(serializer, deserializer);
    }
}
