using Grpc.AspNetCore.Server.Internal;
using Microsoft.AspNetCore.Http;

namespace Grpc.Core;

/// <summary>
/// ASP.NET Core extensions for <see cref="ServerCallContext"/>.
/// </summary>
public static class ServerCallContextExtensions
{
    /// <summary>
    /// Gets the <see cref="HttpContext"/> of a call hosted by ASP.NET Core. Prefer read-only use: changes to it
    /// are not reflected in the <see cref="ServerCallContext"/>.
    /// </summary>
    /// <param name="serverCallContext">The call's context.</param>
    /// <returns>The call's <see cref="HttpContext"/>.</returns>
    /// <exception cref="InvalidOperationException">The call is not hosted by ASP.NET Core.</exception>
    public static HttpContext GetHttpContext(this ServerCallContext serverCallContext)
    {
        ArgumentNullException.ThrowIfNull(serverCallContext);

        return serverCallContext is HttpContextServerCallContext call
            ? call.HttpContext
            : throw new InvalidOperationException(
                "Could not get the HttpContext from the ServerCallContext: it is only available for calls hosted by ASP.NET Core.");
    }
}
