// Design notes: current-based leaky integrate-and-fire with exponential synaptic currents (NEST iaf_psc_exp).
//   C_m dv/dt = -(C_m / tau_m)(v - E_L) + I_ex + I_in + I_e,   dI_x/dt = -I_x / tau_syn_x
// Integrated exactly (Rotter & Diesmann 1999): the step propagators below are the closed-form solution of the
// linear system over dt. A spike of weight w (pA) adds +w to I_ex ("exc") or -w to I_in ("inh") at its arrival
// step. After v >= V_th: v = V_reset and v is clamped there for t_ref; the currents keep decaying.
// I_stim (pA, per neuron, settable between runs) adds to I_e; while all of it is zero the kernel without it runs, so
// results are bit-identical to a model without the variable.
#pragma once
#include <cmath>

#include "../core/fast_math.hpp"
#include "population.hpp"

namespace pyneuro {

template <bool Stim>
PYNEURO_KERNEL static void lif_kernel(float* __restrict v, float* __restrict ie, float* __restrict ii,
                                      std::int32_t* __restrict rf, std::uint8_t* __restrict flag, const float* __restrict th, std::size_t n, float el,
                                      float vr, float vth, std::int32_t ref_steps, float P22, float P21ex, float P21in,
                                      float drive, float P11ex, float P11in, const float* __restrict stim, float P20) {
    for (std::size_t i = 0; i < n; ++i) {
        const float dr = Stim ? drive + P20 * stim[i] : drive;
        const float vi = el + (v[i] - el) * P22 + P21ex * ie[i] + P21in * ii[i] + dr;
        settle_spike(vi, vr, vth + th[i], ref_steps, v[i], rf[i], flag[i]);
        ie[i] = flush_tiny(ie[i] * P11ex);
        ii[i] = flush_tiny(ii[i] * P11in);
    }
}

class LIF final : public Population {
public:
    LIF(index_t n, const ParamMap& p) : Population("LIF", n) {
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
        reg("theta", th_, 0.0f);  // threshold offset (mV), moved by intrinsic plasticity
        reg("I_stim", stim_, 0.0f);  // per-neuron stimulus current (pA), added to I_e
        refr_.assign(n, 0);
        flag_.assign(n, 0);
    }
    static double p21(double tau_m, double tau_s, double C, double h) {
        if (std::abs(tau_m - tau_s) < 1e-9 * tau_m) return h / C * std::exp(-h / tau_m);
        return tau_m * tau_s / (C * (tau_s - tau_m)) * (std::exp(-h / tau_s) - std::exp(-h / tau_m));
    }
    void prepare(double dt) override {
        P22 = static_cast<float>(std::exp(-dt / tau_m));
        P11ex = static_cast<float>(std::exp(-dt / tau_ex));
        P11in = static_cast<float>(std::exp(-dt / tau_in));
        P21ex = static_cast<float>(p21(tau_m, tau_ex, C_m, dt));
        P21in = static_cast<float>(p21(tau_m, tau_in, C_m, dt));
        P20 = static_cast<float>(tau_m / C_m * (1.0 - std::exp(-dt / tau_m)));
        ref_steps = steps_of(t_ref, dt);
        has_stim_ = stim_driven() || any_nonzero(stim_);
    }
    int min_isi_steps() const override { return ref_steps + 1; }
    float* input(Receptor r, float& sign) override {
        sign = r == Receptor::exc ? 1.0f : -1.0f;
        return r == Receptor::exc ? iex_.data() : iin_.data();
    }
    void update(Range r, step_t, const Philox&, std::vector<index_t>& out) override {
        auto* kernel = has_stim_ ? &lif_kernel<true> : &lif_kernel<false>;
        kernel(v_.data() + r.begin, iex_.data() + r.begin, iin_.data() + r.begin, refr_.data() + r.begin,
               flag_.data() + r.begin, th_.data() + r.begin, r.size(), static_cast<float>(E_L), static_cast<float>(V_reset),
               static_cast<float>(V_th), ref_steps, P22, P21ex, P21in, P20 * static_cast<float>(I_e), P11ex, P11in,
               stim_.data() + r.begin, P20);
        collect_flags(flag_.data(), r.begin, r.end, out);
    }

    double tau_m, C_m, E_L, V_th, V_reset, t_ref, tau_ex, tau_in, I_e;

private:
    float P22 = 0, P11ex = 0, P11in = 0, P21ex = 0, P21in = 0, P20 = 0;
    int ref_steps = 0;
    bool has_stim_ = false;
    avector<float> th_, v_, iex_, iin_, stim_;
};

}  // namespace pyneuro
