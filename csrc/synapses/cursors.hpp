// Design notes: where each spike in flight stands in its synapse row, for projections with several delays.
// A row is sorted by delay (shard.hpp), and a spike emitted at step s reaches its delay-d synapses at step s + d,
// one delay after the other: the segment it reaches at s + d starts where the segment it reached at the previous
// delay ended. Delivery keeps, per spike in flight and per shard, that offset and the delay found there (the
// spike's cursor: its next arrival), so an arrival starts at its segment without any search, and a step at which a
// spike has no synapse (a delay its row lacks) costs one comparison. A spike then costs O(1) per distinct delay of
// the projection plus its synapses, whatever the number of delays, and nothing is stored per synapse: 8 bytes per
// spike in flight instead.
// Validity: the cursors of a ring slot belong to one emission step, one store version (every structural change,
// build and neurogenesis bumps it) and one generation of the presynaptic spike ring (configure / load). The first
// arrival (shortest delay of the projection) sets them to the row starts; a later arrival that finds them stale
// (after a structural change, a checkpoint restore, a ring resize, or a rule added between runs) finds its segment
// once by binary search, as the store allows, and carries on from there.
// Thread safety: the cursors of shard k are read and written only by the thread that owns shard k.
#pragma once
#include <cstdint>
#include <deque>
#include <vector>

#include "../core/types.hpp"

namespace pyneuro {

struct Cursor {
    std::uint32_t pos;   // offset of the next synapse to reach
    std::uint32_t next;  // its delay (steps), or kDone once the row is exhausted
    static constexpr std::uint32_t kDone = 0xFFFFFFFFu;
};

struct CursorSlot {
    step_t step = -1;            // emission step whose spikes these are
    std::uint64_t version = 0;   // store version they index
    std::uint64_t ring_gen = 0;  // generation of the spike ring they were taken from
    std::uint32_t next_min = 0;  // the smallest `next` among them: arrivals before it have nothing to do
    std::vector<Cursor> cur;     // per spike of the step (thread lists in order)

    bool valid(step_t s, std::uint64_t v, std::uint64_t g, std::size_t n) const {
        return step == s && version == v && ring_gen == g && cur.size() == n;
    }
    void claim(step_t s, std::uint64_t v, std::uint64_t g, std::size_t n) {
        step = s;
        version = v;
        ring_gen = g;
        cur.resize(n);
    }
};

// One shard's cursors: one slot per slot of the presynaptic spike ring, and the emission steps that still have
// arrivals to make, so that a step walks only the steps in flight that hold spikes (not every delay).
struct DeliveryCursors {
    struct InFlight {
        step_t step;      // emission step with at least one spike
        int slot;         // its ring slot (= its slot here)
        std::uint32_t n;  // its spikes
        bool checked;     // its cursors are known to be valid (else checked at the next arrival)
    };
    std::vector<CursorSlot> slots;
    std::deque<InFlight> steps;  // newest first, i.e. by ascending delay at the current step
    step_t seen = -1;            // the step up to which `steps` is complete
    std::uint64_t version = 0, ring_gen = 0;

    std::size_t bytes() const {
        std::size_t n = slots.capacity() * sizeof(CursorSlot) + steps.size() * sizeof(InFlight);
        for (const auto& c : slots) n += c.cur.capacity() * sizeof(Cursor);
        return n;
    }
};

}  // namespace pyneuro
