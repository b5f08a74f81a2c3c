// Design notes: the two traversals every spike-timing rule makes, written once and shared by the built-in rules and
// the rules compiled from user definitions (custom_rule.hpp), so that both walk the store the same way.
// - Arrival loop (for_each_arrival): a presynaptic spike arrives at the synapses [b, e) of one row segment (one
//   delay); f(k, i) is called for each synapse k with i its postsynaptic neuron (global index), in store order.
//   prefetch(i) is called for the neuron eight synapses ahead (postsynaptic traces and state are random accesses;
//   rules read them with SpikeTrace::value_now / View, one 16-byte entry per neuron).
// - Post-major loop (for_each_post_synapse_at): neuron `post` fired at t; for the synapses of its slice [pb, pe) of
//   the post-major index, f(k, j, tp) is called with j the presynaptic neuron and tp = t - delay the synapse's
//   arrival time (where presynaptic traces are read). With a single delay in the projection it does not read the
//   synapse's delay (one random access less per synapse), and it prefetches prefetch(j) and the weight
//   kPostPrefetch synapses ahead. This loop is the main cost of plastic networks: every synapse is a random access to
//   its weight (a cache miss in large networks; the weights sit on huge pages, see huge_pages.hpp, so it is not also
//   a TLB miss), and enough misses must be in flight to cover the memory latency.
// - PreTraceReader: a presynaptic trace read at tp inside the post-major loop (or a tick after the post half of the
//   step): from the shard's arrival copy when the projection keeps one (a single delay; Projection::mirror_pre_trace),
//   one 16-byte entry per presynaptic neuron with no history search, else from the history. Same value bit for bit.
// - for_each_post_synapse: the post-major loop reading one presynaptic trace x at tp and calling f(k, x, j, tp) for
//   the synapses whose trace is non-zero.
// - for_each_post_synapse_dense: the same for every synapse, x = 0 included, with no branch in the loop (the decay
//   table ends in a 0 that reads past 30 tau; the arrival copy holds no future entries): for rule bodies that are
//   no-ops at x = 0 written as selects. In a network at a few Hz a fifth of the traces are 0 at random, and the two
//   mispredicted branches per synapse cost more than the arithmetic. Applies with an arrival copy and a zero tail;
//   returns false (and does nothing) otherwise.
#pragma once
#include "../neurons/trace.hpp"
#include "../synapses/projection.hpp"

// Forces inlining of small helpers and lambdas of the loops: a prefetch-only lambda left out of line is found free
// of side effects by the compiler and its calls are dropped, losing the prefetches.
#ifndef PYNEURO_INLINE
#define PYNEURO_INLINE __attribute__((always_inline))
#endif

namespace pyneuro {

// How far ahead the post-major loop prefetches (synapses).
constexpr std::uint64_t kPostPrefetch = 16;

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
    const std::uint32_t* pd = s.pd.data();
    float* w = s.w.data();
    if (one_delay) {
        const step_t tp = t - d0;
        for (std::uint64_t m = pb; m < pe; ++m) {
            if (m + kPostPrefetch < pe) {
                prefetch(static_cast<index_t>(pre[m + kPostPrefetch]));
                __builtin_prefetch(&w[syn[m + kPostPrefetch]], 1);
            }
            f(syn[m], static_cast<index_t>(pre[m]), tp);
        }
        return;
    }
    for (std::uint64_t m = pb; m < pe; ++m) {
        if (m + kPostPrefetch < pe) {
            prefetch(static_cast<index_t>(pre[m + kPostPrefetch]));
            __builtin_prefetch(&w[syn[m + kPostPrefetch]], 1);
        }
        const std::uint32_t k = syn[m];
        f(k, static_cast<index_t>(pre[m]), t - static_cast<step_t>(pd[k] >> bits));
    }
}

// A presynaptic trace read at the arrival time tp = t - delay of the synapses of shard s during the post-major loop of
// step t (or a tick after it): arrivals up to step t are counted.
class PreTraceReader {
public:
    PreTraceReader() = default;
    PreTraceReader(const Projection& p, const Shard& s, const SpikeTrace& tr) : tr_(&tr), v_(tr.view()) {
        const int mi = p.mirror_index(tr);
        arr_ = mi >= 0 ? s.arr[static_cast<std::size_t>(mi)].data() : nullptr;
    }
    bool copied() const { return arr_ != nullptr; }
    PYNEURO_INLINE double value(index_t j, step_t tp) const {
        if (arr_) {
            const SpikeTrace::Entry& e = arr_[j];
            return e.val * v_.decay(tp - e.step);
        }
        return tr_->value_at(j, tp);
    }
    PYNEURO_INLINE void prefetch(index_t j) const {
        if (arr_) __builtin_prefetch(&arr_[j]);
        else tr_->prefetch(j);
    }

private:
    const SpikeTrace* tr_ = nullptr;
    SpikeTrace::View v_{};
    const SpikeTrace::Entry* arr_ = nullptr;
};

template <class F>
inline bool for_each_post_synapse_dense(const Projection& p, Shard& s, std::uint64_t pb, std::uint64_t pe, step_t t,
                                        const SpikeTrace& xpre, F&& f) {
    const int mi = p.mirror_index(xpre);
    if (mi < 0 || !xpre.tail_zero()) return false;
    const SpikeTrace::Entry* arr = s.arr[static_cast<std::size_t>(mi)].data();
    const SpikeTrace::View v = xpre.view();
    for_each_post_synapse_at(
        p, s, pb, pe, t, [arr](index_t j) PYNEURO_INLINE { __builtin_prefetch(&arr[j]); },
        [arr, &v, &f](std::uint32_t k, index_t j, step_t tp) PYNEURO_INLINE {
            const SpikeTrace::Entry& e = arr[j];
            f(k, e.val * v.decay_or_zero(tp - e.step), j, tp);
        });
    return true;
}

template <class F>
inline void for_each_post_synapse(const Projection& p, Shard& s, std::uint64_t pb, std::uint64_t pe, step_t t,
                                  const SpikeTrace& xpre, F&& f) {
    const PreTraceReader r(p, s, xpre);
    if (r.copied()) {  // the common case, written apart so that its loop carries no branch on the storage
        const SpikeTrace::Entry* arr = s.arr[static_cast<std::size_t>(p.mirror_index(xpre))].data();
        const SpikeTrace::View v = xpre.view();
        for_each_post_synapse_at(
            p, s, pb, pe, t, [arr](index_t j) PYNEURO_INLINE { __builtin_prefetch(&arr[j]); },
            [arr, &v, &f](std::uint32_t k, index_t j, step_t tp) PYNEURO_INLINE {
                const SpikeTrace::Entry& e = arr[j];
                const double x = e.val * v.decay(tp - e.step);
                if (x != 0.0) f(k, x, j, tp);
            });
        return;
    }
    for_each_post_synapse_at(
        p, s, pb, pe, t, [&xpre](index_t j) PYNEURO_INLINE { xpre.prefetch(j); },
        [&xpre, &f](std::uint32_t k, index_t j, step_t tp) PYNEURO_INLINE {
            const double x = xpre.value_at(j, tp);
            if (x != 0.0) f(k, x, j, tp);
        });
}

}  // namespace pyneuro
