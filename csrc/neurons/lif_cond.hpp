// Design notes: conductance-based leaky integrate-and-fire with exponential conductances (NEST iaf_cond_exp,
// the COBA model of Vogels & Abbott 2005).
//   C_m dv/dt = -g_L (v - E_L) - g_ex (v - E_ex) - g_in (v - E_in) + I_e,   dg_x/dt = -g_x / tau_syn_x
// The conductances decay exactly. v is advanced by exponential Euler with each conductance replaced by its exact
// mean over the step (g tau/dt (1 - exp(-dt/tau))), which makes the scheme second-order accurate while keeping
// one exp per neuron per step. A spike of weight w (nS) adds w to g_ex or g_in. Refractoriness clamps v to
// V_reset for t_ref after a spike. I_stim (pA, per neuron, settable between runs) adds to I_e; while all of it is
// zero the kernel without it runs, so results are bit-identical to a model without the variable. The step runs in
// blocks: while a block's exponents are small (the usual case at dt = 0.1 ms) the exponential is its polynomial
// alone, which is fast_exp there bit for bit (see lif_cond_kernel).
#pragma once
#include <cmath>

#include "../core/fast_math.hpp"
#include "population.hpp"

namespace pyneuro {

// One step of n neurons, in one pass: the exponential Euler step of v, threshold, reset and refractoriness, and the
// exact decay of the conductances. Kept free of branches so that it vectorises.
template <bool Stim>
__attribute__((always_inline)) inline void lif_cond_pass(float* __restrict v, float* __restrict ge, float* __restrict gi,
                                                         std::int32_t* __restrict rf, std::uint8_t* __restrict flag,
                                                         const float* __restrict th, std::size_t n, float gl, float gl_el,
                                                         float eex, float ein, float ie, float vr, float vth,
                                                         std::int32_t ref_steps, float Mex, float Min, float Pex, float Pin,
                                                         float h_over_C, const float* __restrict stim) {
    for (std::size_t i = 0; i < n; ++i) {
        const float gea = ge[i] * Mex, gia = gi[i] * Min;
        const float gtot = gl + gea + gia;
        const float iei = Stim ? ie + stim[i] : ie;
        const float vinf = (gl_el + gea * eex + gia * ein + iei) / gtot;
        const float vi = vinf + (v[i] - vinf) * fast_exp(-h_over_C * gtot);
        settle_spike(vi, vr, vth + th[i], ref_steps, v[i], rf[i], flag[i]);
        ge[i] = flush_tiny(ge[i] * Pex);
        gi[i] = flush_tiny(gi[i] * Pin);
    }
}

// The same step split in two passes over a block, for blocks where every exponent -h g_tot / C is within
// kExpSmall (at dt = 0.1 ms and C = 200 pF: g_tot below 680 nS, nearly always): the first pass writes v_inf, the
// exponent and its exponential by the polynomial alone (fast_exp_poly, equal to fast_exp there, see fast_math.hpp)
// and returns whether some exponent was larger; the caller then recomputes the block's exponentials with fast_exp;
// the second pass finishes the step. Every neuron gets the same operations on the same values as in lif_cond_pass.
template <bool Stim>
__attribute__((always_inline)) inline int lif_cond_first(float* __restrict vinf, float* __restrict x, float* __restrict E,
                                                         const float* __restrict ge, const float* __restrict gi,
                                                         std::size_t n, float gl, float gl_el, float eex, float ein,
                                                         float ie, float Mex, float Min, float h_over_C,
                                                         const float* __restrict stim) {
    int large = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const float gea = ge[i] * Mex, gia = gi[i] * Min;
        const float gtot = gl + gea + gia;
        const float iei = Stim ? ie + stim[i] : ie;
        vinf[i] = (gl_el + gea * eex + gia * ein + iei) / gtot;
        const float xi = -h_over_C * gtot;
        x[i] = xi;
        E[i] = fast_exp_poly(xi);
        large |= !exp_is_small(xi);
    }
    return large;
}

__attribute__((always_inline)) inline void lif_cond_second(const float* __restrict vinf, const float* __restrict E,
                                                           float* __restrict v, float* __restrict ge, float* __restrict gi,
                                                           std::int32_t* __restrict rf, std::uint8_t* __restrict flag,
                                                           const float* __restrict th, std::size_t n, float vr, float vth,
                                                           std::int32_t ref_steps, float Pex, float Pin) {
    for (std::size_t i = 0; i < n; ++i) {
        const float vi = vinf[i] + (v[i] - vinf[i]) * E[i];
        settle_spike(vi, vr, vth + th[i], ref_steps, v[i], rf[i], flag[i]);
        ge[i] = flush_tiny(ge[i] * Pex);
        gi[i] = flush_tiny(gi[i] * Pin);
    }
}

// One step of n neurons (a thread's range), block by block: two passes with the short exponential while the
// exponents are small; after a block that needed the full one, the next kPlainBlocks blocks run in one pass with
// it (so conductances that stay large cost little more than the one-pass loop alone). Which way a block goes
// changes no result, so results do not depend on where the thread ranges begin.
template <bool Stim>
PYNEURO_KERNEL static void lif_cond_kernel(float* __restrict v, float* __restrict ge, float* __restrict gi,
                                           std::int32_t* __restrict rf, std::uint8_t* __restrict flag, const float* __restrict th, std::size_t n,
                                           float gl, float gl_el, float eex, float ein, float ie, float vr, float vth,
                                           std::int32_t ref_steps, float Mex, float Min, float Pex, float Pin,
                                           float h_over_C, const float* __restrict stim) {
    constexpr std::size_t kBlock = 512;
    constexpr int kPlainBlocks = 8;
    alignas(64) float vinf[kBlock], x[kBlock], E[kBlock];
    int plain = 0;
    for (std::size_t b = 0; b < n; b += kBlock) {
        const std::size_t m = n - b < kBlock ? n - b : kBlock;
        if (plain > 0) {
            --plain;
            lif_cond_pass<Stim>(v + b, ge + b, gi + b, rf + b, flag + b, th + b, m, gl, gl_el, eex, ein, ie, vr, vth,
                                ref_steps, Mex, Min, Pex, Pin, h_over_C, stim + b);
            continue;
        }
        if (lif_cond_first<Stim>(vinf, x, E, ge + b, gi + b, m, gl, gl_el, eex, ein, ie, Mex, Min, h_over_C, stim + b)) {
            for (std::size_t i = 0; i < m; ++i) E[i] = fast_exp(x[i]);
            plain = kPlainBlocks;
        }
        lif_cond_second(vinf, E, v + b, ge + b, gi + b, rf + b, flag + b, th + b, m, vr, vth, ref_steps, Pex, Pin);
    }
}

class LIFCond final : public Population {
public:
    LIFCond(index_t n, const ParamMap& p) : Population("LIFCond", n) {
        C_m = param(p, "C_m");
        g_L = param(p, "g_L");
        E_L = param(p, "E_L");
        V_th = param(p, "V_th");
        V_reset = param(p, "V_reset");
        t_ref = param(p, "t_ref");
        tau_ex = param(p, "tau_syn_ex");
        tau_in = param(p, "tau_syn_in");
        E_ex = param(p, "E_ex");
        E_in = param(p, "E_in");
        I_e = param(p, "I_e");
        reg("v", v_, static_cast<float>(param_or(p, "V_init", E_L)));
        reg("g_ex", gex_, 0.0f);
        reg("g_in", gin_, 0.0f);
        reg("theta", th_, 0.0f);  // threshold offset (mV), moved by intrinsic plasticity
        reg("I_stim", stim_, 0.0f);  // per-neuron stimulus current (pA), added to I_e
        refr_.assign(n, 0);
        flag_.assign(n, 0);
    }
    void prepare(double dt) override {
        Pex = static_cast<float>(std::exp(-dt / tau_ex));
        Pin = static_cast<float>(std::exp(-dt / tau_in));
        Mex = static_cast<float>(tau_ex / dt * (1.0 - std::exp(-dt / tau_ex)));
        Min = static_cast<float>(tau_in / dt * (1.0 - std::exp(-dt / tau_in)));
        h_over_C = static_cast<float>(dt / C_m);
        ref_steps = steps_of(t_ref, dt);
        has_stim_ = stim_driven() || any_nonzero(stim_);
    }
    int min_isi_steps() const override { return ref_steps + 1; }
    float* input(Receptor r, float& sign) override {
        sign = 1.0f;
        return r == Receptor::exc ? gex_.data() : gin_.data();
    }
    void update(Range r, step_t, const Philox&, std::vector<index_t>& out) override {
        auto* kernel = has_stim_ ? &lif_cond_kernel<true> : &lif_cond_kernel<false>;
        kernel(v_.data() + r.begin, gex_.data() + r.begin, gin_.data() + r.begin, refr_.data() + r.begin,
               flag_.data() + r.begin, th_.data() + r.begin, r.size(), static_cast<float>(g_L), static_cast<float>(g_L * E_L),
               static_cast<float>(E_ex), static_cast<float>(E_in), static_cast<float>(I_e),
               static_cast<float>(V_reset), static_cast<float>(V_th), ref_steps, Mex, Min, Pex, Pin, h_over_C,
               stim_.data() + r.begin);
        collect_flags(flag_.data(), r.begin, r.end, out);
    }

    double C_m, g_L, E_L, V_th, V_reset, t_ref, tau_ex, tau_in, E_ex, E_in, I_e;

private:
    float Pex = 0, Pin = 0, Mex = 0, Min = 0, h_over_C = 0;
    int ref_steps = 0;
    bool has_stim_ = false;
    avector<float> th_, v_, gex_, gin_, stim_;
};

}  // namespace pyneuro
