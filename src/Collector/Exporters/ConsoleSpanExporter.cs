using System.Diagnostics;
using System.Globalization;
using OpenTelemetry;
using Propagation.Collector.Internal;

namespace Propagation.Collector;

/// <summary>Writes one human-readable line per finished span: service, name, kind, trace, span and parent ids,
/// duration and status.</summary>
/// <remarks>
/// <para>Format (one line, fields separated by single spaces):
/// <c>[service] name (kind) trace=&lt;32 hex&gt; span=&lt;16 hex&gt; parent=&lt;16 hex or -&gt; 12.345 ms STATUS[: description]</c>,
/// where STATUS is <c>UNSET</c>, <c>OK</c> or <c>ERROR</c>. Attributes are not written (use the JSON exporter).</para>
/// <para>Names and descriptions are cut at 256 characters (never inside a surrogate pair), and control characters,
/// the Unicode line and paragraph separators (U+2028, U+2029) and the bidirectional controls (U+202A to U+202E,
/// U+2066 to U+2069) become spaces, so a span is always exactly one line that reads in order. The service is the
/// <c>service.name</c> of the tracer provider's resource.</para>
/// </remarks>
public sealed class ConsoleSpanExporter : BaseExporter<Activity>
{
    private const int MaxTextLength = 256;

    private readonly TextWriter _writer;
    private string? _serviceName;

    /// <summary>Initializes a new instance of the <see cref="ConsoleSpanExporter"/> class that writes to
    /// <see cref="Console.Out"/>.</summary>
    public ConsoleSpanExporter()
        : this(Console.Out)
    {
    }

    /// <summary>Initializes a new instance of the <see cref="ConsoleSpanExporter"/> class.</summary>
    /// <param name="writer">Where lines are written; called from one export thread at a time.</param>
    /// <exception cref="ArgumentNullException"><paramref name="writer"/> is <see langword="null"/>.</exception>
    public ConsoleSpanExporter(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _writer = writer;
    }

    /// <summary>Writes one line per span of <paramref name="batch"/>.</summary>
    /// <param name="batch">The finished spans.</param>
    /// <returns><see cref="ExportResult.Success"/>, or <see cref="ExportResult.Failure"/> when the writer threw
    /// (any exception but a fatal one such as <see cref="OutOfMemoryException"/>, which propagates); spans of the
    /// batch written before the failure stay written.</returns>
    public override ExportResult Export(in Batch<Activity> batch)
    {
        var service = _serviceName ??= ExportSpanFormat.ResolveServiceName(ParentProvider);
        try
        {
            foreach (var activity in batch)
            {
                WriteLine(activity, service);
            }

            _writer.Flush();
            return ExportResult.Success;
        }
#pragma warning disable CA1031 // Any failure of the writer or logger is a failed export, as documented; the export thread goes on.
        catch (Exception ex) when (!ExportSpanFormat.IsFatal(ex))
#pragma warning restore CA1031
        {
            return ExportResult.Failure;
        }
    }

    private void WriteLine(Activity activity, string service)
    {
        var writer = _writer;
        writer.Write('[');
        ExportSpanFormat.WriteSingleLine(writer, service, MaxTextLength);
        writer.Write("] ");
        ExportSpanFormat.WriteSingleLine(writer, activity.DisplayName, MaxTextLength);
        writer.Write(" (");
        writer.Write(ExportSpanFormat.KindName(activity.Kind));
        writer.Write(") trace=");
        writer.Write(activity.TraceId.ToHexString());
        writer.Write(" span=");
        writer.Write(activity.SpanId.ToHexString());
        writer.Write(" parent=");
        writer.Write(activity.ParentSpanId == default ? "-" : activity.ParentSpanId.ToHexString());
        writer.Write(' ');
        writer.Write(activity.Duration.TotalMilliseconds.ToString("0.000", CultureInfo.InvariantCulture));
        writer.Write(" ms ");
        writer.Write(ExportSpanFormat.StatusName(activity));
        if (!string.IsNullOrEmpty(activity.StatusDescription))
        {
            writer.Write(": ");
            ExportSpanFormat.WriteSingleLine(writer, activity.StatusDescription, MaxTextLength);
        }

        writer.WriteLine();
    }
}
