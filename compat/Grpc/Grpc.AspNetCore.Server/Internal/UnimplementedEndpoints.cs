using Grpc.Core;
using Grpc.Net.Common;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Grpc.AspNetCore.Server.Internal;

/// <summary>
/// Catch-all endpoints that answer gRPC requests for unknown methods and services with <c>UNIMPLEMENTED</c>
/// (trailers-only, HTTP 200). A route constraint limits them to POST requests with a gRPC content type, so
/// every other request keeps reaching the application's own endpoints (or 404).
/// </summary>
internal static class UnimplementedEndpoints
{
    private const string MethodParameter = "unimplementedMethod";
    private const string ServiceParameter = "unimplementedService";

    public static IEndpointConventionBuilder MapUnknownMethod(IEndpointRouteBuilder endpoints, string serviceName, ILogger logger)
    {
        var pattern = RoutePatternFactory.Parse(
            "/" + serviceName + "/{" + MethodParameter + "}",
            defaults: null,
            parameterPolicies: new RouteValueDictionary { [MethodParameter] = new GrpcUnimplementedConstraint() });
        return endpoints.Map(pattern, context => Respond(context, "Method is unimplemented.", "method", logger))
            .WithDisplayName($"gRPC - Unimplemented method for {serviceName}");
    }

    public static IEndpointConventionBuilder MapUnknownService(IEndpointRouteBuilder endpoints, ILogger logger)
    {
        var pattern = RoutePatternFactory.Parse(
            "/{" + ServiceParameter + "}/{" + MethodParameter + "}",
            defaults: null,
            parameterPolicies: new RouteValueDictionary { [MethodParameter] = new GrpcUnimplementedConstraint() });
        return endpoints.Map(pattern, context => Respond(context, "Service is unimplemented.", "service", logger))
            .WithDisplayName("gRPC - Unimplemented service");
    }

    private static Task Respond(HttpContext context, string message, string kind, ILogger logger)
    {
        GrpcServerLog.Unimplemented(logger, kind);
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocolConstants.ContentType;
        GrpcRequestValidator.WriteTrailersOnlyStatus(response, StatusCode.Unimplemented, message);
        return Task.CompletedTask;
    }

    /// <summary>Matches only POST requests with a gRPC content type.</summary>
    private sealed class GrpcUnimplementedConstraint : IRouteConstraint
    {
        public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection)
        {
            return httpContext is not null
                && HttpMethods.IsPost(httpContext.Request.Method)
                && GrpcRequestValidator.IsGrpcContentType(httpContext.Request.ContentType);
        }
    }
}
