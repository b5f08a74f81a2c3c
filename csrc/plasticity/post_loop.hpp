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
// - post_add_clipped: the commonest post-spike update, w <- clip(w + x fac, lo, hi) for the synapses whose trace x
//   is non-zero (the triplet rule's LTP, the additive pair rule's LTP), on the dense loop's terms. Where the CPU has
//   AVX-512 it runs eight synapses at a time: gathers of the trace entries, the decay-table slots and the weights,
//   the same IEEE operations in double per synapse (no contraction), a scatter of the changed weights only (the
//   synapses of one walk are distinct, so a scatter never collides). Per synapse it is the scalar loop's arithmetic,
//   so results are bit-identical to it (and independent of the CPU and the thread count). It is faster because the
//   scalar body, not only the weight's cache miss, bounds the walk: the body costs ~1.5x the bare read-modify-write of
//   the weights (benchmarks/post_walk_roofline.cpp); W4's post-spike update went from ~16.6 to ~13.9 ns per synapse.
//   PYNEURO_SCALAR_POST=1 in the environment (read once) keeps the scalar loops (this one and the triplet rule's
//   presynaptic half), for comparisons.
#pragma once
#include <cstdlib>

#include "../neurons/trace.hpp"
#include "../synapses/projection.hpp"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(PYNEURO_NO_CLONES)
#define PYNEURO_POST_AVX512 1
#include <immintrin.h>
#endif

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

namespace detail {

// The scalar form: the dense loop with the body written as a select (a synapse whose trace is 0 keeps its weight).
inline void add_clipped_scalar(const Projection& p, Shard& s, std::uint64_t pb, std::uint64_t pe, step_t t,
                               const SpikeTrace& xpre, double fac, double lo, double hi) {
    float* w = s.w.data();
    for_each_post_synapse_dense(p, s, pb, pe, t, xpre,
                                [w, fac, lo, hi](std::uint32_t k, double x, index_t, step_t) PYNEURO_INLINE {
                                    const float old = w[k];
                                    const float nw = static_cast<float>(std::clamp(old + x * fac, lo, hi));
                                    w[k] = x != 0.0 ? nw : old;
                                });
}

#ifdef PYNEURO_POST_AVX512
// GCC 12 warns of the undefined lanes inside its own AVX-512 intrinsics (GCC bug 105593), not of this code.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
// Eight synapses per iteration (single delay, arrival copy, zero tail: the caller checked). Per synapse: x =
// val * table[min(tp - step, len)] (decay_or_zero), v = double(w) + x fac, clip as std::clamp (v < lo ? lo :
// hi < v ? hi : v; a NaN stays), rounded to float, stored where x != 0 (true for a NaN, as in the scalar select).
__attribute__((target("avx512f,avx512vl"))) inline void add_clipped_avx512(
    Shard& s, std::uint64_t pb, std::uint64_t pe, step_t tp, const SpikeTrace::Entry* arr, const SpikeTrace::View& v,
    double fac, double lo, double hi) {
    static_assert(sizeof(SpikeTrace::Entry) == 16 && sizeof(step_t) == 8, "two 8-byte words per entry");
    float* w = s.w.data();
    const std::uint32_t* syn = s.pm_syn.data();
    const std::uint32_t* pre = s.pm_pre.data();
    const double* table = v.table;
    const std::size_t len = v.len;
    const __m512i vtp = _mm512_set1_epi64(tp), vlen = _mm512_set1_epi64(static_cast<long long>(len));
    const __m512d vfac = _mm512_set1_pd(fac), vlo = _mm512_set1_pd(lo), vhi = _mm512_set1_pd(hi);
    const __m512d zero = _mm512_setzero_pd();
    std::uint64_t m = pb;
    for (; m + 8 <= pe; m += 8) {
        for (std::uint64_t z = m + kPostPrefetch; z < std::min(m + kPostPrefetch + 8, pe); ++z) {
            __builtin_prefetch(&arr[pre[z]]);
            __builtin_prefetch(&w[syn[z]], 1);
        }
        const __m256i vp = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(pre + m));
        const __m256i vs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(syn + m));
        const __m256i vp2 = _mm256_add_epi32(vp, vp);  // entry j = words 2j (step) and 2j + 1 (value)
        const __m512i st = _mm512_i32gather_epi64(vp2, reinterpret_cast<const long long*>(arr), 8);
        const __m512d val = _mm512_i32gather_pd(vp2, reinterpret_cast<const double*>(arr) + 1, 8);
        const __m512i q = _mm512_min_epu64(_mm512_sub_epi64(vtp, st), vlen);
        const __m512d x = _mm512_mul_pd(val, _mm512_i64gather_pd(q, table, 8));
        const __m512d nv = _mm512_add_pd(_mm512_cvtps_pd(_mm256_i32gather_ps(w, vs, 4)), _mm512_mul_pd(x, vfac));
        __m512d r = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(vhi, nv, _CMP_LT_OQ), nv, vhi);
        r = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(nv, vlo, _CMP_LT_OQ), r, vlo);
        _mm256_mask_i32scatter_ps(w, _mm512_cmp_pd_mask(x, zero, _CMP_NEQ_UQ), vs, _mm512_cvtpd_ps(r), 4);
    }
    for (; m < pe; ++m) {
        const SpikeTrace::Entry& e = arr[pre[m]];
        const double x = e.val * v.decay_or_zero(tp - e.step);
        const std::uint32_t k = syn[m];
        const float old = w[k];
        const float nw = static_cast<float>(std::clamp(old + x * fac, lo, hi));
        w[k] = x != 0.0 ? nw : old;
    }
}

inline bool post_simd() {
    static const bool on = [] {
        const char* e = std::getenv("PYNEURO_SCALAR_POST");
        const bool scalar = e && e[0] && e[0] != '0';
        __builtin_cpu_init();
        return !scalar && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
    }();
    return on;
}
#pragma GCC diagnostic pop
#endif

}  // namespace detail

inline bool post_add_clipped(const Projection& p, Shard& s, std::uint64_t pb, std::uint64_t pe, step_t t,
                             const SpikeTrace& xpre, double fac, double lo, double hi) {
    const int mi = p.mirror_index(xpre);
    if (mi < 0 || !xpre.tail_zero() || p.delays().size() != 1) return false;
#ifdef PYNEURO_POST_AVX512
    if (detail::post_simd()) {
        detail::add_clipped_avx512(s, pb, pe, t - p.delays()[0], s.arr[static_cast<std::size_t>(mi)].data(),
                                   xpre.view(), fac, lo, hi);
        return true;
    }
#endif
    detail::add_clipped_scalar(p, s, pb, pe, t, xpre, fac, lo, hi);
    return true;
}

}  // namespace pyneuro
