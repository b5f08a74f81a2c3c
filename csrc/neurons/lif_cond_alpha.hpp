// Design notes: conductance-based leaky integrate-and-fire with alpha-shaped conductances (NEST iaf_cond_alpha,
// PyNN IF_cond_alpha).
//   C_m dv/dt = -g_L (v - E_L) - g_ex (v - E_ex) - g_in (v - E_in) + I_e + I_stim,
//   g_x(t) = w (e / tau_x) t exp(-t / tau_x) after a spike of weight w: a conductance that peaks at w (nS) at tau_x.
// Each receptor keeps g_x (nS) and dg_x, the kernel's rising part (alpha_kernel.hpp); a spike adds w to dg_x. The
// conductances evolve exactly; v advances by exponential Euler with each conductance replaced by its exact mean over
// the step (as LIFCond does), second order in dt. Refractoriness clamps v to V_reset for t_ref. I_stim (pA, per
// neuron, settable between runs) adds to I_e.
#pragma once
#include <cmath>

#include "../core/fast_math.hpp"
#include "alpha_kernel.hpp"
#include "population.hpp"

namespace pyneuro {

// An alpha conductance: its exact step (AlphaKernel) and its mean over the step, M0 g + M1 dg.
struct AlphaConductance {
    AlphaKernel g;
    float M0 = 0, M1 = 0;
    static AlphaConductance make(double tau, double h) {
        AlphaConductance c;
        c.g = AlphaKernel::make(tau, h);
        const double e = std::exp(-h / tau), k = std::exp(1.0) / tau;
        c.M0 = static_cast<float>(tau / h * (1.0 - e));
        c.M1 = static_cast<float>(k * tau * tau / h * (1.0 - e * (1.0 + h / tau)));
        return c;
    }
};

template <bool Stim>
PYNEURO_KERNEL static void lif_cond_alpha_kernel(float* __restrict v, float* __restrict ge, float* __restrict gi,
                                                 float* __restrict dge, float* __restrict dgi,
                                                 std::int32_t* __restrict rf, std::uint8_t* __restrict flag,
                                                 std::size_t n, float gl, float gl_el, float eex, float ein, float ie,
                                                 float vr, float vth, std::int32_t ref_steps, AlphaConductance ex,
                                                 AlphaConductance in, float h_over_C, const float* __restrict stim) {
    for (std::size_t i = 0; i < n; ++i) {
        const float gea = ex.M0 * ge[i] + ex.M1 * dge[i], gia = in.M0 * gi[i] + in.M1 * dgi[i];
        const float gtot = gl + gea + gia;
        const float iei = Stim ? ie + stim[i] : ie;
        const float vinf = (gl_el + gea * eex + gia * ein + iei) / gtot;
        const float vi = vinf + (v[i] - vinf) * fast_exp(-h_over_C * gtot);
        settle_spike(vi, vr, vth, ref_steps, v[i], rf[i], flag[i]);
        ex.g.advance(ge[i], dge[i]);
        in.g.advance(gi[i], dgi[i]);
    }
}

class LIFCondAlpha final : public Population {
public:
    LIFCondAlpha(index_t n, const ParamMap& p) : Population("LIFCondAlpha", n) {
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
        reg("dg_ex", dgex_, 0.0f);
        reg("dg_in", dgin_, 0.0f);
        reg("I_stim", stim_, 0.0f);
        refr_.assign(n, 0);
        flag_.assign(n, 0);
    }
    void prepare(double dt) override {
        ex = AlphaConductance::make(tau_ex, dt);
        in = AlphaConductance::make(tau_in, dt);
        h_over_C = static_cast<float>(dt / C_m);
        ref_steps = steps_of(t_ref, dt);
        has_stim_ = stim_driven() || any_nonzero(stim_);
    }
    int min_isi_steps() const override { return ref_steps + 1; }
    float* input(Receptor r, float& sign) override {
        sign = 1.0f;
        return r == Receptor::exc ? dgex_.data() : dgin_.data();
    }
    void update(Range r, step_t, const Philox&, std::vector<index_t>& out) override {
        auto* kernel = has_stim_ ? &lif_cond_alpha_kernel<true> : &lif_cond_alpha_kernel<false>;
        kernel(v_.data() + r.begin, gex_.data() + r.begin, gin_.data() + r.begin, dgex_.data() + r.begin,
               dgin_.data() + r.begin, refr_.data() + r.begin, flag_.data() + r.begin, r.size(), static_cast<float>(g_L),
               static_cast<float>(g_L * E_L), static_cast<float>(E_ex), static_cast<float>(E_in),
               static_cast<float>(I_e), static_cast<float>(V_reset), static_cast<float>(V_th), ref_steps, ex, in,
               h_over_C, stim_.data() + r.begin);
        collect_flags(flag_.data(), r.begin, r.end, out);
    }

    double C_m, g_L, E_L, V_th, V_reset, t_ref, tau_ex, tau_in, E_ex, E_in, I_e;

private:
    AlphaConductance ex, in;
    float h_over_C = 0;
    int ref_steps = 0;
    bool has_stim_ = false;
    avector<float> v_, gex_, gin_, dgex_, dgin_, stim_;
};

}  // namespace pyneuro
