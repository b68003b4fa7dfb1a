using Grpc.Net.Common;

namespace Grpc.Compat.Tests.Common;

public class GrpcTimeoutCodecTests
{
    [Theory]
    [InlineData("1H", 3600_000)]
    [InlineData("2M", 120_000)]
    [InlineData("3S", 3_000)]
    [InlineData("250m", 250)]
    [InlineData("99999999m", 99_999_999)]
    [InlineData("00000001S", 1_000)]
    public void TryParse_ValidValue_ReturnsTimeout(string value, long expectedMilliseconds)
    {
        var ok = GrpcTimeoutCodec.TryParse(value, out var timeout);

        Assert.True(ok);
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMilliseconds), timeout);
    }

    [Fact]
    public void TryParse_Microseconds_ReturnsTicks()
    {
        Assert.True(GrpcTimeoutCodec.TryParse("15u", out var timeout));

        Assert.Equal(TimeSpan.FromTicks(150), timeout);
    }

    [Fact]
    public void TryParse_Nanoseconds_RoundsUpToWholeTick()
    {
        Assert.True(GrpcTimeoutCodec.TryParse("101n", out var timeout));

        Assert.Equal(TimeSpan.FromTicks(2), timeout);
    }

    [Fact]
    public void TryParse_MaximumHours_DoesNotOverflow()
    {
        Assert.True(GrpcTimeoutCodec.TryParse("99999999H", out var timeout));

        Assert.Equal(TimeSpan.FromHours(99_999_999), timeout);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("S", "unit without digits")]
    [InlineData("10", "digits without unit")]
    [InlineData("123456789S", "nine digits")]
    [InlineData("10s", "lowercase s is not a unit")]
    [InlineData("10h", "lowercase h is not a unit")]
    [InlineData("1 S", "space inside")]
    [InlineData(" 1S", "leading space")]
    [InlineData("-1S", "sign")]
    [InlineData("+1S", "plus sign")]
    [InlineData("1.5S", "decimal point")]
    [InlineData("1SS", "two units")]
    [InlineData("١S", "non-ASCII digit")]
    public void TryParse_InvalidValue_ReturnsFalse(string value, string reason)
    {
        var ok = GrpcTimeoutCodec.TryParse(value, out var timeout);

        Assert.False(ok, reason);
        Assert.Equal(TimeSpan.Zero, timeout);
    }

    [Theory]
    [InlineData(1, "100n")]
    [InlineData(999_999, "99999900n")]
    [InlineData(1_000_000, "100000u")]
    public void Format_SmallTimeout_UsesFinestUnit(long ticks, string expected)
    {
        Assert.Equal(expected, GrpcTimeoutCodec.Format(TimeSpan.FromTicks(ticks)));
    }

    [Fact]
    public void Format_NonPositive_ReturnsOneNanosecond()
    {
        Assert.Equal("1n", GrpcTimeoutCodec.Format(TimeSpan.Zero));
        Assert.Equal("1n", GrpcTimeoutCodec.Format(TimeSpan.FromSeconds(-5)));
    }

    [Fact]
    public void Format_Huge_CapsAtMaximumHours()
    {
        Assert.Equal("99999999H", GrpcTimeoutCodec.Format(TimeSpan.MaxValue));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(17)]
    [InlineData(10_000)]
    [InlineData(12_345_678_901)]
    [InlineData(36_000_000_000_000)]
    [InlineData(9_000_000_000_000_000)]
    public void Format_AnyTimeout_HasAtMostEightDigitsAndParsesBackNotShorter(long ticks)
    {
        var timeout = TimeSpan.FromTicks(ticks);

        var text = GrpcTimeoutCodec.Format(timeout);

        Assert.InRange(text.Length, 2, 9);
        Assert.True(GrpcTimeoutCodec.TryParse(text, out var parsed));
        Assert.True(parsed >= timeout, $"{text} parsed to {parsed}, shorter than {timeout}");
    }
}
