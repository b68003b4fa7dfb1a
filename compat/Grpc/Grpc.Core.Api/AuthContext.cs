namespace Grpc.Core;

/// <summary>
/// The authentication context of a server call (for example the client certificate's properties).
/// </summary>
public class AuthContext
{
    private readonly string? _peerIdentityPropertyName;
    private readonly Dictionary<string, List<AuthProperty>> _properties;

    /// <summary>
    /// Creates an authentication context.
    /// </summary>
    /// <param name="peerIdentityPropertyName">The name of the property that identifies the peer; <see langword="null"/> when unauthenticated.</param>
    /// <param name="properties">The properties by name.</param>
    public AuthContext(string? peerIdentityPropertyName, Dictionary<string, List<AuthProperty>> properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        _peerIdentityPropertyName = peerIdentityPropertyName;
        _properties = properties;
    }

    /// <summary>Gets a value indicating whether the peer is authenticated.</summary>
    public bool IsPeerAuthenticated => _peerIdentityPropertyName is not null;

    /// <summary>Gets the name of the property that identifies the peer, or <see langword="null"/>.</summary>
    public string? PeerIdentityPropertyName => _peerIdentityPropertyName;

    /// <summary>Gets the properties that identify the peer; empty when unauthenticated.</summary>
    public IEnumerable<AuthProperty> PeerIdentity => _peerIdentityPropertyName is null ? [] : FindPropertiesByName(_peerIdentityPropertyName);

    /// <summary>Gets every property.</summary>
    public IEnumerable<AuthProperty> Properties
    {
        get
        {
            foreach (var list in _properties.Values)
            {
                foreach (var property in list)
                {
                    yield return property;
                }
            }
        }
    }

    /// <summary>
    /// Gets the properties with the given name; empty when there are none.
    /// </summary>
    /// <param name="propertyName">The name.</param>
    /// <returns>The properties.</returns>
    public IEnumerable<AuthProperty> FindPropertiesByName(string propertyName)
    {
        return _properties.TryGetValue(propertyName, out var list) ? list : [];
    }
}
