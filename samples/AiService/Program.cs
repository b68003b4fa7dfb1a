using Samples.Ai;

var builder = WebApplication.CreateBuilder(args);
AiServiceApp.ConfigureServices(builder);
var app = builder.Build();
AiServiceApp.Configure(app);
app.Run();
