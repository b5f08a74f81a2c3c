// Design notes: triplet STDP (Pfister & Gerstner 2006) and its BCM-like form with a sliding threshold (Pfister &
// Gerstner 2006 sec. "BCM"; Zenke, Hennequin & Gerstner 2013; the rule of Auryn's TripletConnection).
// Traces (population-owned): r1 (tau_plus), r2 (tau_x) presynaptic; o1 (tau_minus), o2 (tau_y) postsynaptic;
// all_to_all: +1 per spike, nearest: reset to 1.
//   presynaptic arrival at t:  w -= o1(t) [A2- + A3- r2(t - d - eps)]
//   postsynaptic spike at t:   w += r1(t - d) [A2+ + A3+ o2(t - eps)]
// (t - eps: the trace just before the spike that triggers the update; d: the synapse's axonal delay).
// BCM: A2- is replaced by A2- (nu(t) / kappa)^p, with nu the postsynaptic rate estimate (an all_to_all trace of
// time constant tau_rate, divided by tau_rate) and kappa the target rate; with Poisson firing at rate rho the
// drift is rho_pre rho^2 (A3+ tau_plus tau_y - A2- tau_minus nu^2 / (kappa^2 rho)) for p = 2, so LTP and LTD balance
// at rho = kappa nu^2 A2- tau_minus / (A3+ tau_plus tau_y kappa^2): the threshold slides with the square of the
// recent rate. The estimate starts at initial_rate (a trace value of initial_rate tau_rate; 0: empty), for
// neurons whose rate trace has no history yet (Zenke et al. start it at kappa). Weights are clipped to [w_min, w_max] after every update. An optional activity scaling
// (metaplasticity.hpp) multiplies the whole LTP and LTD terms by powers of a neuron's recent rate.
// Young neurons (neurogenesis, Population::plasticity_gain): the post-spike half for post i is multiplied by
// gain_i(t) (1 when the post population has no maturation: a null check); the pre-arrival half is not.
#pragma once
#include <algorithm>
#include <cmath>

#include "../synapses/projection.hpp"
#include "metaplasticity.hpp"
#include "post_loop.hpp"
#include "rule.hpp"

namespace pyneuro {

#ifdef PYNEURO_POST_AVX512
// GCC 12 warns of the undefined lanes inside its own AVX-512 intrinsics (GCC bug 105593), not of this code.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
namespace detail {
// The presynaptic half (LTD at an arrival) eight synapses at a time: w[k] <- clip(w[k] - c o (a2 + triplet)), with
// c = amp g, o the postsynaptic trace and, for Bcm, a2 = a2m q q, q = rate / inv; skipped where o = 0. The same IEEE
// operations per synapse, in the same order, as TripletSTDP::pre_loop's scalar body; a group of eight in which
// a trace cannot be read from its table (a read before the newest entry, or beyond a table that does not end in
// zeros) goes through `scalar` synapse by synapse. The weights of a row segment are contiguous (loads and masked
// stores); the postsynaptic entries and decay slots are gathered.
template <bool Bcm, class Scalar>
__attribute__((target("avx512f,avx512vl"))) inline void triplet_ltd_avx512(
    float* w, const std::uint32_t* pd, std::uint64_t b, std::uint64_t e, std::uint32_t mask, index_t base, step_t t,
    const SpikeTrace::View& vo, bool o_tail_zero, const SpikeTrace::View& vr, double c, double a2m, double inv,
    double triplet, double lo, double hi, Scalar&& scalar) {
    const __m512i vt = _mm512_set1_epi64(t), zero_i = _mm512_setzero_si512();
    const __m512i leno = _mm512_set1_epi64(static_cast<long long>(vo.len));
    const __m512i lenr = _mm512_set1_epi64(static_cast<long long>(vr.len));
    const __m256i vmask = _mm256_set1_epi32(static_cast<int>(mask)), vbase = _mm256_set1_epi32(static_cast<int>(base));
    const __m512d vc = _mm512_set1_pd(c), va2m = _mm512_set1_pd(a2m), vinv = _mm512_set1_pd(inv);
    const __m512d vtrip = _mm512_set1_pd(triplet), vlo = _mm512_set1_pd(lo), vhi = _mm512_set1_pd(hi);
    const __m512d zero = _mm512_setzero_pd();
    std::uint64_t k = b;
    for (; k + 8 <= e; k += 8) {
        for (std::uint64_t z = k + 16; z < std::min(k + 24, e); ++z) {
            const index_t i = base + (pd[z] & mask);
            vo.prefetch(i);
            if constexpr (Bcm) vr.prefetch(i);
        }
        const __m256i vi = _mm256_add_epi32(_mm256_and_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(pd + k)), vmask), vbase);
        const __m256i vi2 = _mm256_add_epi32(vi, vi);  // entry i = words 2i (step) and 2i + 1 (value)
        const __m512i d_o = _mm512_sub_epi64(vt, _mm512_i32gather_epi64(vi2, reinterpret_cast<const long long*>(vo.now), 8));
        // o: a read at or after the newest entry; past the table it is 0 when the table ends in zeros
        __mmask8 ok = o_tail_zero ? _mm512_cmpge_epi64_mask(d_o, zero_i) : _mm512_cmplt_epu64_mask(d_o, leno);
        [[maybe_unused]] __m512i dr = zero_i;
        if constexpr (Bcm) {
            dr = _mm512_sub_epi64(vt, _mm512_i32gather_epi64(vi2, reinterpret_cast<const long long*>(vr.now), 8));
            ok &= _mm512_cmplt_epu64_mask(dr, lenr);
        }
        if (ok != 0xFF) {
            for (std::uint64_t q = k; q < k + 8; ++q) scalar(q);
            continue;
        }
        const __m512d oval = _mm512_i32gather_pd(vi2, reinterpret_cast<const double*>(vo.now) + 1, 8);
        const __m512d o = _mm512_mul_pd(oval, _mm512_i64gather_pd(_mm512_min_epu64(d_o, leno), vo.table, 8));
        __m512d a2 = va2m;
        if constexpr (Bcm) {
            const __m512d rval = _mm512_i32gather_pd(vi2, reinterpret_cast<const double*>(vr.now) + 1, 8);
            const __m512d q = _mm512_div_pd(_mm512_mul_pd(rval, _mm512_i64gather_pd(dr, vr.table, 8)), vinv);
            a2 = _mm512_mul_pd(a2, _mm512_mul_pd(q, q));
        }
        const __m512d upd = _mm512_mul_pd(_mm512_mul_pd(vc, o), _mm512_add_pd(a2, vtrip));
        const __m512d nv = _mm512_sub_pd(_mm512_cvtps_pd(_mm256_loadu_ps(w + k)), upd);
        __m512d r = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(vhi, nv, _CMP_LT_OQ), nv, vhi);
        r = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(nv, vlo, _CMP_LT_OQ), r, vlo);
        _mm256_mask_storeu_ps(w + k, _mm512_cmp_pd_mask(o, zero, _CMP_NEQ_UQ), _mm512_cvtpd_ps(r));
    }
    for (; k < e; ++k) scalar(k);
}
}  // namespace detail
#pragma GCC diagnostic pop
#endif

class TripletSTDP final : public Rule {
public:
    TripletSTDP(const ParamMap& p, bool bcm) : bcm_(bcm) {
        tau_plus = param(p, "tau_plus");
        tau_minus = param(p, "tau_minus");
        tau_x = param(p, "tau_x");
        tau_y = param(p, "tau_y");
        a2_plus = param(p, "a2_plus");
        a3_plus = param(p, "a3_plus");
        a2_minus = param(p, "a2_minus");
        a3_minus = param(p, "a3_minus");
        w_min = param(p, "w_min");
        w_max = param(p, "w_max");
        mode = static_cast<int>(param(p, "interaction")) == 1 ? TraceMode::nearest : TraceMode::all_to_all;
        meta.configure(p);
        if (bcm_) {
            kappa = param(p, "target_rate") * 1e-3;  // per ms
            tau_rate = param(p, "tau_rate");
            power = param(p, "power");
            initial_rate = param_or(p, "initial_rate", 0.0) * 1e-3;  // per ms
        }
    }
    void attach(Projection& p) override {
        r1 = &p.pre().trace(tau_plus, mode);
        p.mirror_pre_trace(*r1);  // read by the post-spike loop at the arrival time
        if (a3_minus != 0.0) r2 = &p.pre().trace(tau_x, mode);
        o1 = &p.post().trace(tau_minus, mode);
        if (a3_plus != 0.0) o2 = &p.post().trace(tau_y, mode);
        if (bcm_) {
            rate = &p.post().trace(tau_rate, TraceMode::all_to_all);
            if (initial_rate > 0.0) rate->set_initial(initial_rate * tau_rate);  // the estimate starts at this rate
        }
        meta.attach(p);
    }

    void on_pre(Projection& p, Shard& s, index_t pre, std::uint64_t b, std::uint64_t e, step_t t) override {
        const double amp = eta(t);
        if (amp == 0.0) return;
        const step_t d = static_cast<step_t>(s.pd[b] >> p.post_bits());  // one delay per call
        const double r2v = r2 ? r2->value_at(pre, t - d, true) : 0.0;
        const double triplet = a3_minus * r2v;
        const bool meta_each = meta.on() && !meta.pre_side;
        const double mf = (meta.on() && meta.pre_side) ? meta.ltd(pre, t - d) : 1.0;
        if (bcm_) {
            if (meta_each) pre_loop<true, true>(p, s, b, e, t, amp, mf, triplet);
            else pre_loop<true, false>(p, s, b, e, t, amp, mf, triplet);
        } else {
            if (meta_each) pre_loop<false, true>(p, s, b, e, t, amp, mf, triplet);
            else pre_loop<false, false>(p, s, b, e, t, amp, mf, triplet);
        }
    }
    void on_post(Projection& p, Shard& s, index_t post, std::uint64_t pb, std::uint64_t pe, step_t t) override {
        double fac = (a2_plus + (o2 ? a3_plus * o2->value_now(post, t, true) : 0.0)) * eta(t);
        if (fac == 0.0) return;
        if (meta.on() && !meta.pre_side) fac *= meta.ltp_now(post, t);
        fac *= p.post().plasticity_gain(post, t);  // young neurons' heightened plasticity (1 otherwise)
        float* w = s.w.data();
        if (meta.on() && meta.pre_side) {
            for_each_post_synapse(p, s, pb, pe, t, *r1, [&](std::uint32_t k, double x, index_t j, step_t tp) {
                w[k] = clip(w[k] + x * fac * meta.ltp(j, tp));
            });
        } else {
            const double lo = w_min, hi = w_max;
            // branch-free (a synapse whose trace is 0 keeps its weight), eight synapses at a time where it can
            if (post_add_clipped(p, s, pb, pe, t, *r1, fac, lo, hi)) return;
            for_each_post_synapse(p, s, pb, pe, t, *r1, [w, fac, lo, hi](std::uint32_t k, double x, index_t, step_t) {
                w[k] = static_cast<float>(std::clamp(w[k] + x * fac, lo, hi));
            });
        }
    }

    double tau_plus, tau_minus, tau_x, tau_y, a2_plus, a3_plus, a2_minus, a3_minus, w_min, w_max;
    double kappa = 0.0, tau_rate = 0.0, power = 2.0, initial_rate = 0.0;
    TraceMode mode;
    ActivityScaling meta;

private:
    float clip(double w) const { return static_cast<float>(std::clamp(w, w_min, w_max)); }
    // (nu / kappa)^power with nu = rate trace / tau_rate (per ms), for a postsynaptic neuron of this thread
    double bcm(index_t i, step_t t) const {
        const double q = rate->value_now(i, t) / (tau_rate * kappa);
        return power == 2.0 ? q * q : std::pow(q, power);
    }
    // The presynaptic half over one row segment; Bcm and MetaEach (a postsynaptic activity factor per synapse)
    // chosen at compile time, so the common loop carries no branch on them.
    template <bool Bcm, bool MetaEach>
    void pre_loop(const Projection& p, Shard& s, std::uint64_t b, std::uint64_t e, step_t t, double amp, double mf,
                  double triplet) {
        float* w = s.w.data();
        const SpikeTrace::View vo = o1->view();
        const SpikeTrace::View vr = Bcm ? rate->view() : vo;
        const double a2m = a2_minus, lo = w_min, hi = w_max, inv = tau_rate * kappa, pw = power;
        auto prefetch = [&](index_t i) PYNEURO_INLINE {
            vo.prefetch(i);
            if constexpr (Bcm) vr.prefetch(i);
        };
        auto body = [&](std::uint64_t k, index_t i) PYNEURO_INLINE {
            const double o = vo.value_now(i, t);
            if (o == 0.0) return;
            double a2 = a2m;
            if constexpr (Bcm) {
                const double q = vr.value_now(i, t) / inv;  // (nu / kappa)^power, as bcm()
                a2 *= pw == 2.0 ? q * q : std::pow(q, pw);
            }
            const double g = MetaEach ? meta.ltd_now(i, t) : mf;
            w[k] = static_cast<float>(std::clamp(w[k] - amp * g * o * (a2 + triplet), lo, hi));
        };
#ifdef PYNEURO_POST_AVX512
        if (!MetaEach && (!Bcm || pw == 2.0) && detail::post_simd()) {
            const std::uint32_t mask = p.post_mask();
            const index_t base = s.posts.begin;
            const std::uint32_t* pd = s.pd.data();
            detail::triplet_ltd_avx512<Bcm>(w, pd, b, e, mask, base, t, vo, o1->tail_zero(), vr, amp * mf, a2m, inv,
                                            triplet, lo, hi, [&](std::uint64_t k) {
                                                body(k, static_cast<index_t>(base + (pd[k] & mask)));
                                            });
            return;
        }
#endif
        for_each_arrival(p, s, b, e, prefetch, body);
    }
    bool bcm_;
    SpikeTrace *r1 = nullptr, *r2 = nullptr, *o1 = nullptr, *o2 = nullptr, *rate = nullptr;
};

}  // namespace pyneuro
