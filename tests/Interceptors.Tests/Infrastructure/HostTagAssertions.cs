using System.Diagnostics;

namespace Propagation.Interceptors.Tests.Infrastructure;

/// <summary>Shared assertions of the host-cache tests (client and server): calls to
/// <c>api.example:8443</c>, <c>other.example</c>, then <c>api.example:8443</c> again.</summary>
public static class HostTagAssertions
{
    public static void AssertThreeHostCalls(IReadOnlyList<Activity> spans)
    {
        Assert.Equal(3, spans.Count);
        Assert.Equal("api.example", spans[0].GetTagItem("server.address"));
        Assert.Equal(8443, spans[0].GetTagItem("server.port"));
        Assert.Equal("other.example", spans[1].GetTagItem("server.address"));
        Assert.Null(spans[1].GetTagItem("server.port"));
        Assert.Equal("api.example", spans[2].GetTagItem("server.address"));
        Assert.Equal(8443, spans[2].GetTagItem("server.port"));
    }
}
