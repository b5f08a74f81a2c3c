// Design notes: intrinsic plasticity as an adaptive threshold (a homeostatic integral controller, as in
// Diehl & Cook 2015's adaptive threshold without decay and the threshold rule of Zenke et al. 2015):
//   d theta_i / dt = eta (S_i(t) - nu_target)        S_i the spike train (sum of deltas)
// i.e. theta_i += eta at each spike of neuron i and theta_i -= eta nu_target dt every step, clipped to
// [theta_min, theta_max]. The model's threshold is V_th + theta_i, so a neuron firing above the target becomes
// less excitable and one below becomes more excitable; in a stationary regime the mean rate equals nu_target
// exactly (while theta stays inside its bounds). Acts on the population's `theta` variable (LIF, LIFCond).
#pragma once
#include <algorithm>

#include "../neurons/population.hpp"
#include "rule.hpp"

namespace pyneuro {

class IntrinsicPlasticity final : public NeuronRule {
public:
    explicit IntrinsicPlasticity(const ParamMap& p) {
        target = param(p, "target_rate") * 1e-3;
        step_size = param(p, "eta");
        lo = param(p, "theta_min");
        hi = param(p, "theta_max");
    }
    void attach(Population& p, double dt) override {
        theta = p.var("theta");
        if (!theta) throw ArgumentError("IntrinsicPlasticity needs a model with a threshold offset 'theta' (LIF, LIFCond)");
        dt_ = dt;
    }
    void before(Range r, step_t t) override {
        const float dec = static_cast<float>(step_size * eta(t) * target * dt_);
        if (dec == 0.0f) return;
        float* th = theta->data();
        const float flo = static_cast<float>(lo);
        for (index_t i = r.begin; i < r.end; ++i) th[i] = std::max(th[i] - dec, flo);
    }
    void on_spikes(const std::vector<index_t>& ids, step_t t) override {
        const float inc = static_cast<float>(step_size * eta(t));
        if (inc == 0.0f) return;
        float* th = theta->data();
        const float fhi = static_cast<float>(hi);
        for (index_t i : ids) th[i] = std::min(th[i] + inc, fhi);
    }
    double target, step_size, lo, hi;

private:
    avector<float>* theta = nullptr;
    double dt_ = 0.1;
};

}  // namespace pyneuro
