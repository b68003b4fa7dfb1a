namespace Propagation.Tests.Composite;

public class PropagationOptionsTests
{
    [Fact]
    public void Constructor_Defaults_AreDocumentedValues()
    {
        var options = new PropagationOptions();

        Assert.Equal([PropagationFormat.TraceContext, PropagationFormat.Legacy, PropagationFormat.B3Single, PropagationFormat.B3], options.ExtractFormats);
        Assert.Equal([PropagationFormat.TraceContext, PropagationFormat.Baggage, PropagationFormat.Legacy], options.InjectFormats);
        Assert.True(options.ExtractBaggage);
        Assert.True(options.SampledWhenUnspecified);
        Assert.Equal(LegacyIdFormat.Hex, options.LegacyIdFormat);
        Assert.Empty(options.Validate());
    }

    [Fact]
    public void Validate_SeveralErrors_ListsAllAtOnce()
    {
        var options = new PropagationOptions
        {
            ExtractFormats = [PropagationFormat.TraceContext, PropagationFormat.Baggage, PropagationFormat.TraceContext, (PropagationFormat)42],
            InjectFormats = null!,
            LegacyIdFormat = (LegacyIdFormat)3,
        };

        var errors = options.Validate();

        Assert.Equal(5, errors.Count);
        Assert.Contains(errors, e => e.Contains("ExtractFormats[1] is Baggage", StringComparison.Ordinal) && e.Contains("ExtractBaggage", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("ExtractFormats[2] repeats TraceContext", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("ExtractFormats[3]", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("InjectFormats must not be null", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("LegacyIdFormat", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_NoneInInjectFormats_IsAnError()
    {
        var options = new PropagationOptions { InjectFormats = [PropagationFormat.None] };

        var error = Assert.Single(options.Validate());

        Assert.Contains("InjectFormats[0]", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EmptyLists_AreValid()
    {
        var options = new PropagationOptions { ExtractFormats = [], InjectFormats = [] };

        Assert.Empty(options.Validate());
    }

    [Fact]
    public void Clone_ChangingCopy_LeavesOriginal()
    {
        var options = new PropagationOptions { LegacyIdFormat = LegacyIdFormat.Uuid };

        var copy = options.Clone();
        copy.ExtractFormats.Clear();
        copy.InjectFormats.Add(PropagationFormat.B3);

        Assert.Equal(4, options.ExtractFormats.Count);
        Assert.Equal(3, options.InjectFormats.Count);
        Assert.Equal(LegacyIdFormat.Uuid, copy.LegacyIdFormat);
    }
}
