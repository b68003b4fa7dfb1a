using System.Text;

namespace Grpc.Core;

/// <summary>
/// One property of an <see cref="AuthContext"/>: a name and a value.
/// </summary>
public class AuthProperty
{
    private readonly byte[] _valueBytes;

    private AuthProperty(string name, byte[] valueBytes)
    {
        Name = name;
        _valueBytes = valueBytes;
    }

    /// <summary>Gets the property name.</summary>
    public string Name { get; }

    /// <summary>Gets the value decoded as UTF-8.</summary>
    public string Value => Encoding.UTF8.GetString(_valueBytes);

    /// <summary>Gets a copy of the value bytes.</summary>
#pragma warning disable CA1819 // Array-valued property is part of grpc-dotnet's API shape; it returns a copy.
    public byte[] ValueBytes => (byte[])_valueBytes.Clone();
#pragma warning restore CA1819

    /// <summary>
    /// Creates a property.
    /// </summary>
    /// <param name="name">The name.</param>
    /// <param name="valueBytes">The value bytes (copied).</param>
    /// <returns>The property.</returns>
    public static AuthProperty Create(string name, byte[] valueBytes)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(valueBytes);
        return new AuthProperty(name, (byte[])valueBytes.Clone());
    }
}
