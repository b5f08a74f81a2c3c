// Design notes: the traversal every spike-timing rule makes at a postsynaptic spike. For the synapses of a post
// neuron's slice [pb, pe) of the post-major index it reads the presynaptic trace at the synapse's arrival time
// t - delay and calls f(k, x, pre) for each synapse k whose trace x is non-zero. With a single delay in the
// projection it does not read the synapse's delay (one random access less per synapse), and it prefetches the
// trace blocks and weights eight synapses ahead: this loop is the main cost of plastic networks (a cache miss per
// synapse), so it is written once.
#pragma once
#include "../neurons/trace.hpp"
#include "../synapses/projection.hpp"

namespace pyneuro {

template <class F>
inline void for_each_post_synapse(const Projection& p, Shard& s, std::uint64_t pb, std::uint64_t pe, step_t t,
                                  const SpikeTrace& xpre, F&& f) {
    const int bits = p.post_bits();
    const bool one_delay = p.delays().size() == 1;
    const step_t d0 = one_delay ? p.delays()[0] : 0;
    const std::uint32_t* syn = s.pm_syn.data();
    const std::uint32_t* pre = s.pm_pre.data();
    for (std::uint64_t m = pb; m < pe; ++m) {
        if (m + 8 < pe) {
            xpre.prefetch(pre[m + 8]);
            __builtin_prefetch(&s.w[syn[m + 8]], 1);
        }
        const std::uint32_t k = syn[m];
        const step_t d = one_delay ? d0 : static_cast<step_t>(s.pd[k] >> bits);
        const double x = xpre.value_at(pre[m], t - d);
        if (x != 0.0) f(k, x, pre[m], t - d);
    }
}

}  // namespace pyneuro
