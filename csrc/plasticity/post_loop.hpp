// Design notes: the two traversals every spike-timing rule makes, written once and shared by the built-in rules and
// the rules compiled from user definitions (custom_rule.hpp), so that both walk the store the same way.
// - Arrival loop (for_each_arrival): a presynaptic spike arrives at the synapses [b, e) of one row segment (one
//   delay); f(k, i) is called for each synapse k with i its postsynaptic neuron (global index), in store order.
//   prefetch(i) is called for the neuron eight synapses ahead (postsynaptic traces and state are random accesses).
// - Post-major loop (for_each_post_synapse_at): neuron `post` fired at t; for the synapses of its slice [pb, pe) of
//   the post-major index, f(k, j, tp) is called with j the presynaptic neuron and tp = t - delay the synapse's
//   arrival time (where presynaptic traces are read). With a single delay in the projection it does not read the
//   synapse's delay (one random access less per synapse), and it prefetches prefetch(j) and the weight eight
//   synapses ahead: this loop is the main cost of plastic networks (a cache miss per synapse).
// - for_each_post_synapse: the post-major loop reading one presynaptic trace x at tp and calling f(k, x, j, tp) for
//   the synapses whose trace is non-zero.
#pragma once
#include "../neurons/trace.hpp"
#include "../synapses/projection.hpp"

namespace pyneuro {

template <class Prefetch, class F>
inline void for_each_arrival(const Projection& p, const Shard& s, std::uint64_t b, std::uint64_t e, Prefetch&& prefetch,
                             F&& f) {
    const std::uint32_t mask = p.post_mask();
    const index_t base = s.posts.begin;
    const std::uint32_t* pd = s.pd.data();
    for (std::uint64_t k = b; k < e; ++k) {
        if (k + 8 < e) prefetch(static_cast<index_t>(base + (pd[k + 8] & mask)));
        f(k, static_cast<index_t>(base + (pd[k] & mask)));
    }
}

template <class Prefetch, class F>
inline void for_each_post_synapse_at(const Projection& p, Shard& s, std::uint64_t pb, std::uint64_t pe, step_t t,
                                     Prefetch&& prefetch, F&& f) {
    const int bits = p.post_bits();
    const bool one_delay = p.delays().size() == 1;
    const step_t d0 = one_delay ? p.delays()[0] : 0;
    const std::uint32_t* syn = s.pm_syn.data();
    const std::uint32_t* pre = s.pm_pre.data();
    for (std::uint64_t m = pb; m < pe; ++m) {
        if (m + 8 < pe) {
            prefetch(static_cast<index_t>(pre[m + 8]));
            __builtin_prefetch(&s.w[syn[m + 8]], 1);
        }
        const std::uint32_t k = syn[m];
        const step_t d = one_delay ? d0 : static_cast<step_t>(s.pd[k] >> bits);
        f(k, static_cast<index_t>(pre[m]), t - d);
    }
}

template <class F>
inline void for_each_post_synapse(const Projection& p, Shard& s, std::uint64_t pb, std::uint64_t pe, step_t t,
                                  const SpikeTrace& xpre, F&& f) {
    for_each_post_synapse_at(
        p, s, pb, pe, t, [&xpre](index_t j) { xpre.prefetch(j); },
        [&xpre, &f](std::uint32_t k, index_t j, step_t tp) {
            const double x = xpre.value_at(j, tp);
            if (x != 0.0) f(k, x, j, tp);
        });
}

}  // namespace pyneuro
