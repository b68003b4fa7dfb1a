using System.Buffers;
using System.Text;
using Grpc.Core;

namespace Grpc.Compat.Tests.Core;

public class MarshallerTests
{
    [Fact]
    public void SimpleMarshaller_ContextualForms_RoundTrip()
    {
        var marshaller = Marshallers.Create<string>(s => Encoding.UTF8.GetBytes(s), b => Encoding.UTF8.GetString(b));
        var contextual = Marshallers.Create<string>(marshaller.ContextualSerializer, marshaller.ContextualDeserializer);

        var bytes = contextual.Serializer("héllo");

        Assert.Equal(Encoding.UTF8.GetBytes("héllo"), bytes);
        Assert.Equal("héllo", contextual.Deserializer(bytes));
    }

    [Fact]
    public void ContextualMarshaller_UsingBufferWriter_SimpleFormsRoundTrip()
    {
        var marshaller = new Marshaller<string>(
            (value, context) =>
            {
                var bytes = Encoding.UTF8.GetBytes(value);
                context.SetPayloadLength(bytes.Length);
                context.GetBufferWriter().Write(bytes);
                context.Complete();
            },
            context => Encoding.UTF8.GetString(context.PayloadAsReadOnlySequence().ToArray()));

        var payload = marshaller.Serializer("abc");

        Assert.Equal("abc"u8.ToArray(), payload);
        Assert.Equal("abc", marshaller.Deserializer(payload));
    }

    [Fact]
    public void ContextualMarshaller_WrongAnnouncedLength_Throws()
    {
        var marshaller = new Marshaller<string>(
            (value, context) =>
            {
                context.SetPayloadLength(10);
                context.GetBufferWriter().Write("abc"u8);
                context.Complete();
            },
            _ => string.Empty);

        Assert.Throws<InvalidOperationException>(() => marshaller.Serializer("x"));
    }

    [Fact]
    public void ContextualMarshaller_NeverCompletes_Throws()
    {
        var marshaller = new Marshaller<string>((_, _) => { }, _ => string.Empty);

        Assert.Throws<InvalidOperationException>(() => marshaller.Serializer("x"));
    }

    [Fact]
    public void StringMarshaller_RoundTripsUtf8()
    {
        var bytes = Marshallers.StringMarshaller.Serializer("✓");

        Assert.Equal("✓", Marshallers.StringMarshaller.Deserializer(bytes));
    }

    [Fact]
    public void Method_FullName_IsSlashServiceSlashName()
    {
        var method = new Method<string, string>(MethodType.DuplexStreaming, "pkg.Svc", "Chat", Marshallers.StringMarshaller, Marshallers.StringMarshaller);

        Assert.Equal("/pkg.Svc/Chat", method.FullName);
        Assert.Equal(MethodType.DuplexStreaming, method.Type);
    }
}
