using Samples.Kernel;

var builder = WebApplication.CreateBuilder(args);
KernelApp.ConfigureServices(builder);
var app = builder.Build();
KernelApp.Configure(app);
app.Run();
