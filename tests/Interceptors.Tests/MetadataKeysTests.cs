namespace Propagation.Interceptors.Tests;

public sealed class MetadataKeysTests
{
    [Theory]
    [InlineData("traceparent", "TRACEPARENT")]
    [InlineData("X-Trace-ID", "x-trace-id")]
    [InlineData("X-B3-TraceId", "x-b3-traceid")]
    [InlineData("X-B3-Sampled", "X-B3-SAMPLED")]
    [InlineData("b3", "B3")]
    [InlineData("tracestate", "TraceState")]
    [InlineData("X-B3-Flags", "x-b3-flags")]
    public void IndexOf_KnownNameInAnyCasing_SameIndex(string name, string otherCasing)
    {
        // Act
        var index = MetadataKeys.IndexOf(name);
        var other = MetadataKeys.IndexOf(new string(otherCasing.AsSpan()));

        // Assert
        Assert.InRange(index, 0, 31);
        Assert.Equal(index, other);
    }

    [Theory]
    [InlineData("X-B3-TraceId", "X-B3-Sampled")]
    [InlineData("traceparent", "X-B3-SpanId")]
    [InlineData("tracestate", "X-Trace-ID")]
    [InlineData("X-Trace-ID", "X-B3-Flags")]
    public void IndexOf_NamesOfTheSameLength_DifferentIndexes(string first, string second)
    {
        // Act
        var a = MetadataKeys.IndexOf(first);
        var b = MetadataKeys.IndexOf(second);

        // Assert
        Assert.Equal(first.Length, second.Length);
        Assert.NotEqual(a, b);
    }

    [Theory]
    [InlineData("user-agent")]
    [InlineData("traceparenx")]
    [InlineData("x-trace-id-")]
    [InlineData("")]
    [InlineData("a-name-longer-than-every-known-trace-header")]
    public void IndexOf_OtherName_MinusOne(string name)
    {
        // Act
        var index = MetadataKeys.IndexOf(name);

        // Assert
        Assert.Equal(-1, index);
    }

    [Theory]
    [InlineData("X-Trace-ID", "x-trace-id")]
    [InlineData("X-B3-ParentSpanId", "x-b3-parentspanid")]
    [InlineData("traceparent", "traceparent")]
    [InlineData("My-Header", "my-header")]
    public void ToLowercase_AnyName_Lowercase(string name, string expected)
    {
        // Act
        var lower = MetadataKeys.ToLowercase(name);

        // Assert
        Assert.Equal(expected, lower);
    }

    [Fact]
    public void ToLowercase_KnownMixedCaseName_SameInstanceEveryCall()
    {
        // Act
        var first = MetadataKeys.ToLowercase("X-Span-ID");
        var second = MetadataKeys.ToLowercase(new string("X-SPAN-ID".AsSpan()));

        // Assert
        Assert.Same(first, second);
    }

    [Theory]
    [InlineData("trace-bin", true)]
    [InlineData("TRACE-BIN", true)]
    [InlineData("-bin", true)]
    [InlineData("bin", false)]
    [InlineData("trace_bin", false)]
    [InlineData("trace-bim", false)]
    [InlineData("traceparent", false)]
    [InlineData("", false)]
    public void IsBinary_Key_TrueOnlyForTheBinSuffix(string key, bool expected)
    {
        // Act
        var binary = MetadataKeys.IsBinary(key);

        // Assert
        Assert.Equal(expected, binary);
        Assert.Equal(key.EndsWith("-bin", StringComparison.OrdinalIgnoreCase), binary);
    }
}
