// Design notes: leaky integrate-and-fire with delta synapses (NEST iaf_psc_delta; Brunel 2000's model).
//   C_m dv/dt = -(C_m / tau_m)(v - E_L) + I_e + I_stim;   a spike of weight w (mV) makes v jump by +w ("exc") or
//   -w ("inh").
// Integrated exactly: v(t + dt) = E_L + (v - E_L) P33 + P30 (I_e + I_stim) + (the jumps arriving in this step), then
// the threshold test, as NEST orders it; a jump that arrives while the neuron is refractory is discarded (NEST's
// default). After v >= V_th: v = V_reset, held for t_ref.
// Timing: the jumps of step t are summed in `jump_` during delivery and consumed by the update of step t, so v at
// (t + 1) dt includes them and they may make the neuron fire in step t. This is NEST's timing under NEST's time
// convention (iaf_psc_delta adds its ring buffer before the threshold test), so this model's input is not lagged
// under that convention (lags_input() is false): a spike stamped T with delay d moves v at T + d.
#pragma once
#include <cmath>

#include "../core/fast_math.hpp"
#include "population.hpp"

namespace pyneuro {

template <bool Stim>
PYNEURO_KERNEL static void lif_delta_kernel(float* __restrict v, float* __restrict jump, std::int32_t* __restrict rf,
                                            std::uint8_t* __restrict flag, std::size_t n, float el, float vr, float vth,
                                            std::int32_t ref_steps, float P33, float drive, const float* __restrict stim,
                                            float P30) {
    for (std::size_t i = 0; i < n; ++i) {
        const float dr = Stim ? drive + P30 * stim[i] : drive;
        const float vi = el + (v[i] - el) * P33 + dr + jump[i];
        jump[i] = 0.0f;
        settle_spike(vi, vr, vth, ref_steps, v[i], rf[i], flag[i]);  // refractory: v held, the jump discarded
    }
}

class LIFDelta final : public Population {
public:
    LIFDelta(index_t n, const ParamMap& p) : Population("LIFDelta", n) {
        tau_m = param(p, "tau_m");
        C_m = param(p, "C_m");
        E_L = param(p, "E_L");
        V_th = param(p, "V_th");
        V_reset = param(p, "V_reset");
        t_ref = param(p, "t_ref");
        I_e = param(p, "I_e");
        reg("v", v_, static_cast<float>(param_or(p, "V_init", E_L)));
        reg("I_stim", stim_, 0.0f);  // per-neuron stimulus current (pA), added to I_e
        jump_.assign(n, 0.0f);
        refr_.assign(n, 0);
        flag_.assign(n, 0);
    }
    void prepare(double dt) override {
        P33 = static_cast<float>(std::exp(-dt / tau_m));
        P30 = static_cast<float>(tau_m / C_m * (1.0 - std::exp(-dt / tau_m)));
        ref_steps = steps_of(t_ref, dt);
        has_stim_ = stim_driven() || any_nonzero(stim_);
    }
    int min_isi_steps() const override { return ref_steps + 1; }
    bool lags_input() const override { return false; }
    float* input(Receptor r, float& sign) override {
        sign = r == Receptor::exc ? 1.0f : -1.0f;
        return jump_.data();
    }
    void grow_extra(index_t, index_t new_n) override { jump_.resize(new_n, 0.0f); }
    void update(Range r, step_t, const Philox&, std::vector<index_t>& out) override {
        auto* kernel = has_stim_ ? &lif_delta_kernel<true> : &lif_delta_kernel<false>;
        kernel(v_.data() + r.begin, jump_.data() + r.begin, refr_.data() + r.begin, flag_.data() + r.begin, r.size(),
               static_cast<float>(E_L), static_cast<float>(V_reset), static_cast<float>(V_th), ref_steps, P33,
               P30 * static_cast<float>(I_e), stim_.data() + r.begin, P30);
        collect_flags(flag_.data(), r.begin, r.end, out);
    }

    double tau_m, C_m, E_L, V_th, V_reset, t_ref, I_e;

private:
    float P33 = 0, P30 = 0;
    int ref_steps = 0;
    bool has_stim_ = false;
    avector<float> v_, stim_, jump_;
};

}  // namespace pyneuro
