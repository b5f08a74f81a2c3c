// Design notes: emission-time delivery for static projections with several delays.
// A static projection (no plasticity rule, so nothing reads a synapse at the arrival time) need not wait for the
// arrival to touch its synapses: at step t, the spikes emitted at t-1 are walked once, row by row in store order,
// and each synapse adds sign * w to the slot of its arrival step, ring[(t-1+d) mod D][post] (D = the longest delay
// of the members, in steps); then slot t mod D is added to the target's input and cleared. One sequential pass per
// spike and row whatever the number of distinct delays: no cursor, no search, no per-segment start in memory. The
// delay is the one already packed into pd (shard.hpp): nothing is stored per synapse; the ring costs D * n floats
// per (target population, receptor).
// Members are the static multi-delay projections that share one delivery target (population, receptor); they are
// walked in projection order. Thread k owns the ring entries of its post neurons (the shards' post ranges) and
// writes nothing else, so there are no races and no locks.
// Order and bits: each ring entry receives its contributions in the order (emission step, member, spike id,
// synapse), whatever the thread count; its sum is then added to the input once. That order differs from the
// arrival-time delivery's (so the bits may differ from it) but is fixed, so results do not depend on the thread
// count.
// The ring is derived state: it equals what the spikes in flight (held in the presynaptic populations' spike rings,
// which checkpoints save) and the current synapses give. Whenever it may be stale (first step, a gap in the steps, a
// restore, a structural or weight change, a new member, a resized ring) a thread rebuilds its slice by replaying
// the emission steps t-D .. t-2 in ascending order, each keeping only the arrivals at t or later, which is the same
// sequence of additions as the incremental passes made: a restored or reconfigured network continues bit for bit,
// and a synapse added while spikes are in flight receives their remaining arrivals, a removed one none.
// Lag (several processes): the emission pass of step t may walk the spikes of step t - lag instead of t - 1, for any
// lag up to the shortest delay of the network, when spikes of other ranks arrive only every `lag` steps (see
// core/engine.hpp). Every arrival at step t still comes from an emission step <= t - lag, the passes still run in
// ascending emission order, and the pending arrivals span at most D - lag + 1 steps: the same sums, the same bits.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "../core/types.hpp"
#include "projection.hpp"

namespace pyneuro {

class ArrivalRing {
public:
    // What the ring content was derived from; any difference calls for a rebuild.
    struct Member {
        Projection* proj;
        std::uint64_t version, values, ring_gen;
        bool operator==(const Member& o) const {
            return proj == o.proj && version == o.version && values == o.values && ring_gen == o.ring_gen;
        }
    };

    // Serial, between runs. Keeps the content when nothing it derives from changed; otherwise clears it and makes
    // every thread rebuild its slice at its next step.
    void configure(std::vector<Member> members, float* target, index_t n, int depth, int threads) {
        const bool same = members == members_ && target == target_ && n == n_ && depth == depth_ &&
                          static_cast<int>(seen_.size()) == threads;
        if (same) return;
        members_ = std::move(members);
        target_ = target;
        n_ = n;
        depth_ = std::max(depth, 1);
        buf_.assign(static_cast<std::size_t>(depth_) * n_, 0.0f);
        seen_.assign(static_cast<std::size_t>(threads), Seen{});
    }
    float* target() const { return target_; }
    const std::vector<Member>& members() const { return members_; }
    std::size_t bytes() const { return buf_.capacity() * sizeof(float); }
    // The ring a configuration would use: D * n floats.
    static std::size_t bytes_for(int depth, index_t n) { return static_cast<std::size_t>(std::max(depth, 1)) * n * sizeof(float); }

    // Thread k, step t, its post neurons [R.begin, R.end): emission pass of step t - lag (after a rebuild if
    // needed), then the arrivals of step t into the target. lag = 1 in one process.
    void step(int k, step_t t, Range R, step_t lag = 1) {
        Seen& me = seen_[static_cast<std::size_t>(k)];
        const std::size_t n = n_;
        const int D = depth_;
        float* ring = buf_.data();
        if (me.step != t - 1) {
            for (int s = 0; s < D; ++s) std::fill(ring + s * n + R.begin, ring + s * n + R.end, 0.0f);
            for (step_t s = std::max<step_t>(0, t - D); s <= t - 1 - lag; ++s) {
                rows(me, s, R.begin);
                for (const Member& m : members_) m.proj->deliver_ahead(k, s, t, me.slot_of.data());
            }
        }
        if (t >= lag) {
            rows(me, t - lag, R.begin);
            for (const Member& m : members_) m.proj->deliver_ahead(k, t - lag, t, me.slot_of.data());
        }
        float* __restrict slot = ring + static_cast<std::size_t>(t % D) * n;
        float* __restrict tgt = target_;
        for (index_t i = R.begin; i < R.end; ++i) {
            tgt[i] += slot[i];
            slot[i] = 0.0f;
        }
        me.step = t;
    }

private:
    struct alignas(64) Seen {
        step_t step = -2;
        std::vector<float*> slot_of;  // per delay d in [0, D]: the ring row of step s + d, at this thread's first post
    };
    // The row table of emission step s for the thread whose posts start at `first`.
    void rows(Seen& me, step_t s, index_t first) {
        me.slot_of.resize(static_cast<std::size_t>(depth_) + 1);
        std::size_t row = static_cast<std::size_t>(s % depth_);
        for (int d = 0; d <= depth_; ++d) {
            me.slot_of[static_cast<std::size_t>(d)] = buf_.data() + row * n_ + first;
            if (++row == static_cast<std::size_t>(depth_)) row = 0;
        }
    }
    std::vector<Member> members_;
    float* target_ = nullptr;
    index_t n_ = 0;
    int depth_ = 1;
    avector<float> buf_;
    std::vector<Seen> seen_;  // per thread: the last step it delivered (a line each: written every step)
};

}  // namespace pyneuro
