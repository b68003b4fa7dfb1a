using Google.Protobuf;
using Grpc.Net.Common;
using Microsoft.AspNetCore.Http;

namespace Grpc.Compat.Tests.Client.Infrastructure;

/// <summary>
/// Server-side wire helpers for hand-written test endpoints.
/// </summary>
internal static class Wire
{
    public static async Task<byte[]?> ReadMessageAsync(HttpContext context)
    {
        var (status, payload) = await GrpcFraming.ReadMessageAsync(context.Request.Body, null, context.RequestAborted);
        return status == FrameReadStatus.Message ? payload : null;
    }

    public static async Task<List<T>> ReadAllAsync<T>(HttpContext context, MessageParser<T> parser)
        where T : IMessage<T>
    {
        var messages = new List<T>();
        while (messages.Count < 1000 && await ReadMessageAsync(context) is { } payload)
        {
            messages.Add(parser.ParseFrom(payload));
        }

        return messages;
    }

    public static void StartResponse(HttpContext context)
    {
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/grpc";
    }

    public static async Task WriteMessageAsync(HttpContext context, IMessage message)
    {
        var framed = GrpcFraming.Frame(message.ToByteArray());
        await context.Response.Body.WriteAsync(framed, context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    public static void SetStatus(HttpContext context, int status, string? message = null)
    {
        context.Response.AppendTrailer("grpc-status", status.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (message is not null)
        {
            context.Response.AppendTrailer("grpc-message", GrpcStatusMessageCodec.Encode(message));
        }
    }
}
