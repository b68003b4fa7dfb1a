using System.Diagnostics;

namespace Propagation;

/// <summary>An inbound context that is linked to the server span rather than being its parent.</summary>
public readonly struct PropagationLink : IEquatable<PropagationLink>
{
    /// <summary>Creates a link.</summary>
    /// <param name="context">The linked context.</param>
    /// <param name="reason">Why it is linked.</param>
    public PropagationLink(PropagatedContext context, PropagationLinkReason reason)
    {
        Context = context;
        Reason = reason;
    }

    /// <summary>Gets the linked context (its <see cref="PropagatedContext.Format"/> says where it came from).</summary>
    public PropagatedContext Context { get; }

    /// <summary>Gets why the context is linked.</summary>
    public PropagationLinkReason Reason { get; }

    /// <summary>
    /// Creates the <see cref="ActivityLink"/>, tagged with <see cref="PropagationAttributes.LinkReason"/>
    /// and <see cref="PropagationAttributes.LinkFormat"/>. A context without a span id is linked
    /// under its synthetic parent span id (see <see cref="ExtractedContext.CreateSyntheticParentSpanId"/>).
    /// </summary>
    /// <returns>The link.</returns>
    public ActivityLink ToActivityLink()
    {
        var tags = new ActivityTagsCollection
        {
            { PropagationAttributes.LinkReason, PropagationAttributes.GetReasonName(Reason) },
            { PropagationAttributes.LinkFormat, PropagationAttributes.GetFormatName(Context.Format) },
        };
        return new ActivityLink(ExtractedContext.ToParentActivityContext(Context), tags);
    }

    /// <inheritdoc/>
    public bool Equals(PropagationLink other) => Context == other.Context && Reason == other.Reason;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is PropagationLink other && Equals(other);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Context, Reason);

    /// <summary>Compares two links for equality.</summary>
    public static bool operator ==(PropagationLink left, PropagationLink right) => left.Equals(right);

    /// <summary>Compares two links for inequality.</summary>
    public static bool operator !=(PropagationLink left, PropagationLink right) => !left.Equals(right);
}
