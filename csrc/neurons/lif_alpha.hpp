// Design notes: current-based leaky integrate-and-fire with alpha-shaped synaptic currents (NEST iaf_psc_alpha,
// PyNN IF_curr_alpha).
//   C_m dv/dt = -(C_m / tau_m)(v - E_L) + I_ex + I_in + I_e + I_stim,
//   I_x(t) = w (e / tau_x) t exp(-t / tau_x) after a spike of weight w: a current that peaks at w (pA) at t = tau_x.
// Each receptor keeps I_x (pA) and dI_x, the kernel's rising part (alpha_kernel.hpp). A spike adds +w to dI_ex
// ("exc") or -w to dI_in ("inh") at its arrival step.
// Integrated exactly (Rotter & Diesmann 1999): the propagators below are the closed-form solution of the linear
// system over one step. Refractoriness clamps v to V_reset for t_ref; the currents keep evolving. I_stim (pA, per
// neuron, settable between runs) adds to I_e.
#pragma once
#include <cmath>

#include "../core/fast_math.hpp"
#include "alpha_kernel.hpp"
#include "population.hpp"

namespace pyneuro {

struct AlphaPropagators {
    AlphaKernel I;             // the current's own step (I, dI)
    float P31 = 0, P32 = 0;    // v += P31 dI + P32 I
    // a = 1/tau_s - 1/tau_m; the kernel's e/tau_s factor is folded into P31
    static AlphaPropagators make(double tau_m, double tau_s, double C, double h) {
        AlphaPropagators p;
        p.I = AlphaKernel::make(tau_s, h);
        const double em = std::exp(-h / tau_m), es = std::exp(-h / tau_s), k = std::exp(1.0) / tau_s;
        const double a = 1.0 / tau_s - 1.0 / tau_m;
        double p31, p32;
        if (std::abs(a) * h < 1e-6) {
            p32 = h / C * em;
            p31 = h * h / (2.0 * C) * em;
        } else {
            p32 = (em - es) / (a * C);
            p31 = (em - es * (1.0 + a * h)) / (a * a * C);
        }
        p.P31 = static_cast<float>(k * p31);
        p.P32 = static_cast<float>(p32);
        return p;
    }
};

template <bool Stim>
PYNEURO_KERNEL static void lif_alpha_kernel(float* __restrict v, float* __restrict ie, float* __restrict ii,
                                            float* __restrict die, float* __restrict dii, std::int32_t* __restrict rf,
                                            std::uint8_t* __restrict flag, std::size_t n, float el, float vr,
                                            float vth, std::int32_t ref_steps, float P22, AlphaPropagators ex,
                                            AlphaPropagators in, float drive, const float* __restrict stim, float P20) {
    for (std::size_t i = 0; i < n; ++i) {
        const float dr = Stim ? drive + P20 * stim[i] : drive;
        const float vi = el + (v[i] - el) * P22 + ex.P31 * die[i] + ex.P32 * ie[i] + in.P31 * dii[i] + in.P32 * ii[i] + dr;
        settle_spike(vi, vr, vth, ref_steps, v[i], rf[i], flag[i]);
        ex.I.advance(ie[i], die[i]);
        in.I.advance(ii[i], dii[i]);
    }
}

class LIFAlpha final : public Population {
public:
    LIFAlpha(index_t n, const ParamMap& p) : Population("LIFAlpha", n) {
        tau_m = param(p, "tau_m");
        C_m = param(p, "C_m");
        E_L = param(p, "E_L");
        V_th = param(p, "V_th");
        V_reset = param(p, "V_reset");
        t_ref = param(p, "t_ref");
        tau_ex = param(p, "tau_syn_ex");
        tau_in = param(p, "tau_syn_in");
        I_e = param(p, "I_e");
        reg("v", v_, static_cast<float>(param_or(p, "V_init", E_L)));
        reg("I_ex", iex_, 0.0f);
        reg("I_in", iin_, 0.0f);
        reg("dI_ex", diex_, 0.0f);
        reg("dI_in", diin_, 0.0f);
        reg("I_stim", stim_, 0.0f);
        refr_.assign(n, 0);
        flag_.assign(n, 0);
    }
    void prepare(double dt) override {
        P22 = static_cast<float>(std::exp(-dt / tau_m));
        P20 = static_cast<float>(tau_m / C_m * (1.0 - std::exp(-dt / tau_m)));
        ex = AlphaPropagators::make(tau_m, tau_ex, C_m, dt);
        in = AlphaPropagators::make(tau_m, tau_in, C_m, dt);
        ref_steps = steps_of(t_ref, dt);
        has_stim_ = stim_driven() || any_nonzero(stim_);
    }
    int min_isi_steps() const override { return ref_steps + 1; }
    float* input(Receptor r, float& sign) override {
        sign = r == Receptor::exc ? 1.0f : -1.0f;
        return r == Receptor::exc ? diex_.data() : diin_.data();
    }
    void update(Range r, step_t, const Philox&, std::vector<index_t>& out) override {
        auto* kernel = has_stim_ ? &lif_alpha_kernel<true> : &lif_alpha_kernel<false>;
        kernel(v_.data() + r.begin, iex_.data() + r.begin, iin_.data() + r.begin, diex_.data() + r.begin,
               diin_.data() + r.begin, refr_.data() + r.begin, flag_.data() + r.begin, r.size(), static_cast<float>(E_L),
               static_cast<float>(V_reset), static_cast<float>(V_th), ref_steps, P22, ex, in,
               P20 * static_cast<float>(I_e), stim_.data() + r.begin, P20);
        collect_flags(flag_.data(), r.begin, r.end, out);
    }

    double tau_m, C_m, E_L, V_th, V_reset, t_ref, tau_ex, tau_in, I_e;

private:
    float P22 = 0, P20 = 0;
    AlphaPropagators ex, in;
    int ref_steps = 0;
    bool has_stim_ = false;
    avector<float> v_, iex_, iin_, diex_, diin_, stim_;
};

}  // namespace pyneuro
