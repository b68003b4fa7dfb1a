using System.Text;

namespace Propagation.Collector.Tests.Exporters;

/// <summary>A writer whose every write throws the exception the test asks for.</summary>
internal sealed class ThrowingWriter(Func<Exception> failure) : TextWriter
{
    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value) => throw failure();

    public override void Write(string? value) => throw failure();

    public override void WriteLine(string? value) => throw failure();
}
