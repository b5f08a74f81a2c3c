// Design notes: the traversal every spike-timing rule makes at a postsynaptic spike. For the synapses of a post
// neuron's slice [pb, pe) of the post-major index it reads the presynaptic trace at the synapse's arrival time
// t - delay and calls f(k, x, pre, t - delay) for each synapse k whose trace x is non-zero. This loop is the main
// cost of plastic networks: every synapse is a random access to its weight (a cache miss in large networks), so
// it is written once and tuned here:
// - with a single delay and a registered arrival copy of the trace (Projection::mirror_pre_trace), the trace is
//   one 16-byte entry per presynaptic neuron read from the shard's own array (no history search, no delay read);
//   the value is the history's, bit for bit;
// - otherwise it reads the history at t - delay (the synapse's delay only when the projection has several);
// - the weight and the trace entry of the synapse kPostPrefetch positions ahead are prefetched, enough misses in
//   flight to cover a memory latency of several hundred cycles.
#pragma once
#include "../neurons/trace.hpp"
#include "../synapses/projection.hpp"

namespace pyneuro {

// How far ahead the post-spike loop prefetches (synapses).
constexpr std::uint64_t kPostPrefetch = 16;

template <class F>
inline void for_each_post_synapse(const Projection& p, Shard& s, std::uint64_t pb, std::uint64_t pe, step_t t,
                                  const SpikeTrace& xpre, F&& f) {
    const int bits = p.post_bits();
    const bool one_delay = p.delays().size() == 1;
    const step_t d0 = one_delay ? p.delays()[0] : 0;
    const std::uint32_t* syn = s.pm_syn.data();
    const std::uint32_t* pre = s.pm_pre.data();
    float* w = s.w.data();
    const int mi = p.mirror_index(xpre);
    if (mi >= 0) {
        const SpikeTrace::Entry* arr = s.arr[static_cast<std::size_t>(mi)].data();
        const SpikeTrace::View v = xpre.view();
        const step_t ta = t - d0;
        for (std::uint64_t m = pb; m < pe; ++m) {
            if (m + kPostPrefetch < pe) {
                __builtin_prefetch(&arr[pre[m + kPostPrefetch]]);
                __builtin_prefetch(&w[syn[m + kPostPrefetch]], 1);
            }
            const SpikeTrace::Entry& e = arr[pre[m]];
            const double x = e.val * v.decay(ta - e.step);
            if (x != 0.0) f(syn[m], x, pre[m], ta);
        }
        return;
    }
    for (std::uint64_t m = pb; m < pe; ++m) {
        if (m + kPostPrefetch < pe) {
            xpre.prefetch(pre[m + kPostPrefetch]);
            __builtin_prefetch(&w[syn[m + kPostPrefetch]], 1);
        }
        const std::uint32_t k = syn[m];
        const step_t d = one_delay ? d0 : static_cast<step_t>(s.pd[k] >> bits);
        const double x = xpre.value_at(pre[m], t - d);
        if (x != 0.0) f(k, x, pre[m], t - d);
    }
}

}  // namespace pyneuro
