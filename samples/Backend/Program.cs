using Samples.Backend;

var builder = WebApplication.CreateBuilder(args);
BackendApp.ConfigureServices(builder);
var app = builder.Build();
BackendApp.Configure(app);
app.Run();
