namespace Propagation.Collector.Internal;

/// <summary>One embedded file of the trace viewer: its bytes, content type and strong entity tag.</summary>
internal sealed record ViewerAsset(string Name, byte[] Content, string ContentType, string ETag);
