using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Propagation.Collector.Internal;

/// <summary>Validates <see cref="TracingPipelineOptions"/> together with the <c>OTEL_*</c> configuration at start-up,
/// reporting every problem at once.</summary>
internal sealed class PipelineOptionsValidator : IValidateOptions<TracingPipelineOptions>
{
    private readonly IConfiguration _configuration;
    private readonly IHostEnvironment? _environment;

    public PipelineOptionsValidator(IConfiguration? configuration = null, IHostEnvironment? environment = null)
    {
        _configuration = configuration ?? new ConfigurationBuilder().Build();
        _environment = environment;
    }

    public ValidateOptionsResult Validate(string? name, TracingPipelineOptions options)
    {
        var errors = new List<string>();
        PipelineSettings.Resolve(options, _configuration, _environment?.ApplicationName, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
