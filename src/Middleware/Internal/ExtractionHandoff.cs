using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Http;

namespace Propagation.Middleware.Internal;

/// <summary>
/// Hands the extraction made in hosting's propagator call to the middleware of the same request, without per-request
/// allocation (hosting calls the propagator before the request has any state of ours, and without an
/// <c>IHttpContextAccessor</c> the propagator cannot reach the request).
/// </summary>
/// <remarks>
/// <para>A fixed set of slots keyed by the identity of the carrier (the request's header dictionary). The propagator
/// stores every extraction it made for an unseen request; the middleware takes the entry of its request's headers.
/// It is lossy: another carrier may take the slot in between, and the middleware then extracts again (the same
/// headers under the same policy give the same result), so a miss costs time, never correctness.</para>
/// <para>The middleware takes an entry only when hosting's activity exists: hosting then called the propagator for
/// this very request, whose store replaced any older entry of the same header dictionary (servers reuse one only
/// after its request ended), so an entry found is never stale.</para>
/// <para>A taken entry leaves its header dictionary behind, marked taken, until another store replaces it. That mark is
/// lossy too (another request's store may replace it while the request still runs), so it does not tell the gRPC
/// server interceptor whether <c>UseTracing</c> applied the extraction: the middleware's own mark in the request's
/// features does (<see cref="TracingService.TryGetHostingExtraction"/>).</para>
/// </remarks>
internal sealed class ExtractionHandoff
{
    private const int SlotCount = 64;

    private readonly Slot[] _slots;

    public ExtractionHandoff()
    {
        _slots = new Slot[SlotCount];
        for (var i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new Slot();
        }
    }

    /// <summary>Keeps the extraction made for <paramref name="headers"/>.</summary>
    public void Store(IHeaderDictionary headers, in ExtractedContext extracted)
    {
        var slot = SlotOf(headers);
        lock (slot)
        {
            slot.Headers = headers;
            slot.Extracted = extracted;
            slot.Taken = false;
        }
    }

    /// <summary>Takes the extraction kept for <paramref name="headers"/>, if it is still there.</summary>
    public bool TryTake(IHeaderDictionary headers, out ExtractedContext extracted) => TryTake(headers, out extracted, out _);

    /// <summary>
    /// Takes the extraction kept for <paramref name="headers"/>, if it is still there; <paramref name="taken"/> tells
    /// whether it was there and already taken (not replaced by another store since).
    /// </summary>
    public bool TryTake(IHeaderDictionary headers, out ExtractedContext extracted, out bool taken)
    {
        var slot = SlotOf(headers);
        lock (slot)
        {
            if (ReferenceEquals(slot.Headers, headers))
            {
                taken = slot.Taken;
                extracted = slot.Extracted;
                slot.Extracted = default;
                slot.Taken = true;
                return !taken;
            }
        }

        extracted = default;
        taken = false;
        return false;
    }

    /// <summary>The slot a header dictionary's entry goes to (tests: two requests whose entries share a slot).</summary>
    internal static int SlotIndex(IHeaderDictionary headers) => RuntimeHelpers.GetHashCode(headers) & (SlotCount - 1);

    private Slot SlotOf(IHeaderDictionary headers) => _slots[SlotIndex(headers)];

    private sealed class Slot
    {
        public IHeaderDictionary? Headers { get; set; }

        public ExtractedContext Extracted { get; set; }

        public bool Taken { get; set; }
    }
}
