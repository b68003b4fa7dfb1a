using System.Collections.Concurrent;

namespace Propagation.Interceptors;

/// <summary>The names of one gRPC method as spans use them, computed once per method.</summary>
internal sealed class GrpcMethodNames
{
    private GrpcMethodNames(string fullName, string spanName, string service, string method)
    {
        FullName = fullName;
        SpanName = spanName;
        Service = service;
        Method = method;
    }

    /// <summary>Gets the path, <c>/package.Service/Method</c>.</summary>
    public string FullName { get; }

    /// <summary>Gets the span name, <c>package.Service/Method</c>.</summary>
    public string SpanName { get; }

    /// <summary>Gets <c>package.Service</c>.</summary>
    public string Service { get; }

    /// <summary>Gets <c>Method</c>.</summary>
    public string Method { get; }

    /// <summary>Splits a method path; anything unexpected becomes the whole name with an empty part.</summary>
    public static GrpcMethodNames Parse(string fullName)
    {
        var path = fullName.AsSpan();
        var start = path.Length > 0 && path[0] == '/' ? 1 : 0;
        var slash = path.LastIndexOf('/');
        if (slash <= start)
        {
            var whole = fullName[start..];
            return new GrpcMethodNames(fullName, whole, string.Empty, whole);
        }

        return new GrpcMethodNames(fullName, fullName[start..], fullName[start..slash], fullName[(slash + 1)..]);
    }
}

/// <summary>A bounded cache of <see cref="GrpcMethodNames"/> by method path (one per interceptor instance).</summary>
internal sealed class GrpcMethodNameCache
{
    /// <summary>Past this many methods names are computed per call instead of cached.</summary>
    internal const int MaxEntries = 4096;

    private readonly ConcurrentDictionary<string, GrpcMethodNames> _names = new(StringComparer.Ordinal);

    // The last method looked up: a method called again and again skips hashing its path (the path is
    // usually the same string instance every call, which string.Equals checks first).
    private GrpcMethodNames? _last;

    /// <summary>Gets the number of cached methods (at most <see cref="MaxEntries"/>).</summary>
    internal int Count => _names.Count;

    public GrpcMethodNames Get(string fullName)
    {
        var last = Volatile.Read(ref _last);
        if (last is not null && string.Equals(last.FullName, fullName, StringComparison.Ordinal))
        {
            return last;
        }

        if (_names.TryGetValue(fullName, out var names))
        {
            Volatile.Write(ref _last, names);
            return names;
        }

        names = GrpcMethodNames.Parse(fullName);
        if (_names.Count < MaxEntries)
        {
            names = _names.GetOrAdd(fullName, names);
            Volatile.Write(ref _last, names);
        }

        return names;
    }
}
