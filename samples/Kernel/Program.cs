using Samples.Kernel;

// The content root is the app's own folder, where appsettings.json (addresses, and the HTTP/2-only gRPC endpoint) is
// copied: the service then behaves the same whatever directory it is started from.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
KernelApp.ConfigureServices(builder);
var app = builder.Build();
KernelApp.Configure(app);
app.Run();
