using Propagation.Middleware.Internal;

namespace Propagation.Middleware.Tests;

public sealed class LastPortBoxTests
{
    [Fact]
    public void Get_SamePortAgain_ReturnsTheSameBox()
    {
        // Arrange
        var boxes = new LastPortBox();

        // Act
        var first = boxes.Get(5005);
        var second = boxes.Get(5005);

        // Assert
        Assert.Equal(5005, first);
        Assert.Same(first, second);
    }

    [Fact]
    public void Get_AnotherPort_ReturnsItsValueAndKeepsItAsTheLast()
    {
        // Arrange
        var boxes = new LastPortBox();
        var first = boxes.Get(443);

        // Act
        var other = boxes.Get(80);
        var again = boxes.Get(80);

        // Assert
        Assert.Equal(443, first);
        Assert.Equal(80, other);
        Assert.Same(other, again);
    }
}
