using System.Globalization;

namespace Grpc.Net.Common;

/// <summary>
/// Encodes and parses <c>grpc-timeout</c>. gRPC over HTTP/2: Timeout = TimeoutValue TimeoutUnit;
/// TimeoutValue is 1 to 8 ASCII digits; TimeoutUnit is H (hours), M (minutes), S (seconds),
/// m (milliseconds), u (microseconds) or n (nanoseconds).
/// </summary>
internal static class GrpcTimeoutCodec
{
    private const long MaxValue = 99_999_999;
    private const long TicksPerMicrosecond = 10;

    /// <summary>
    /// Formats a timeout with the finest unit whose value fits in eight digits, rounding up;
    /// non-positive timeouts become <c>1n</c>, timeouts beyond 99,999,999 hours are capped.
    /// </summary>
    /// <param name="timeout">The timeout.</param>
    /// <returns>The header value.</returns>
    public static string Format(TimeSpan timeout)
    {
        var ticks = timeout.Ticks;
        if (ticks <= 0)
        {
            return "1n";
        }

        if (ticks <= MaxValue / 100)
        {
            return Create(ticks * 100, 'n');
        }

        var value = CeilingDivide(ticks, TicksPerMicrosecond);
        if (value <= MaxValue)
        {
            return Create(value, 'u');
        }

        value = CeilingDivide(ticks, TimeSpan.TicksPerMillisecond);
        if (value <= MaxValue)
        {
            return Create(value, 'm');
        }

        value = CeilingDivide(ticks, TimeSpan.TicksPerSecond);
        if (value <= MaxValue)
        {
            return Create(value, 'S');
        }

        value = CeilingDivide(ticks, TimeSpan.TicksPerMinute);
        if (value <= MaxValue)
        {
            return Create(value, 'M');
        }

        return Create(Math.Min(CeilingDivide(ticks, TimeSpan.TicksPerHour), MaxValue), 'H');
    }

    /// <summary>
    /// Parses a <c>grpc-timeout</c> value. Never throws; anything not matching the grammar returns <see langword="false"/>.
    /// </summary>
    /// <param name="value">The header value.</param>
    /// <param name="timeout">The timeout; nanoseconds are rounded up to whole 100 ns ticks.</param>
    /// <returns><see langword="true"/> when the value is valid.</returns>
    public static bool TryParse(ReadOnlySpan<char> value, out TimeSpan timeout)
    {
        timeout = default;

        // 1 to 8 digits and one unit character.
        if (value.Length < 2 || value.Length > GrpcProtocolConstants.MaxTimeoutDigits + 1)
        {
            return false;
        }

        long amount = 0;
        foreach (var c in value[..^1])
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            amount = (amount * 10) + (c - '0');
        }

        // At most 99,999,999 hours (about 11,400 years): every product stays inside TimeSpan's range.
        long ticks;
        switch (value[^1])
        {
            case 'H':
                ticks = amount * TimeSpan.TicksPerHour;
                break;
            case 'M':
                ticks = amount * TimeSpan.TicksPerMinute;
                break;
            case 'S':
                ticks = amount * TimeSpan.TicksPerSecond;
                break;
            case 'm':
                ticks = amount * TimeSpan.TicksPerMillisecond;
                break;
            case 'u':
                ticks = amount * TicksPerMicrosecond;
                break;
            case 'n':
                ticks = CeilingDivide(amount, 100);
                break;
            default:
                return false;
        }

        timeout = TimeSpan.FromTicks(ticks);
        return true;
    }

    private static long CeilingDivide(long value, long divisor) => (value / divisor) + (value % divisor == 0 ? 0 : 1);

    private static string Create(long value, char unit)
    {
        return string.Create(CultureInfo.InvariantCulture, $"{value}{unit}");
    }
}
