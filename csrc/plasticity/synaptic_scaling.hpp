// Design notes: homeostatic synaptic scaling (Turrigiano et al. 1998; van Rossum, Bi & Turrigiano 2000).
// Each postsynaptic neuron i has a slow rate sensor nu_i (an all_to_all trace of time constant tau_rate divided
// by tau_rate, i.e. an exponential moving average of its spike train) and scales all its incoming weights of this
// projection multiplicatively:   dw/dt = w (nu_target - nu_i) / (nu_target tau_scaling).
// Applied every `interval` as the exact solution for a constant nu over the interval:
//   w <- min(w_max, w exp(interval (nu_target - nu_i) / (nu_target tau_scaling)))
// on thread k's shard through the post-major index. Scaling is multiplicative, so the ratios between a neuron's
// inputs (what Hebbian rules learned) are kept. No per-synapse work between sweeps.
#pragma once
#include <algorithm>
#include <cmath>

#include "../synapses/projection.hpp"
#include "rule.hpp"

namespace pyneuro {

class SynapticScaling final : public Rule {
public:
    explicit SynapticScaling(const ParamMap& p) {
        target = param(p, "target_rate") * 1e-3;  // per ms
        tau_scaling = param(p, "tau_scaling");
        tau_rate = param(p, "tau_rate");
        interval = steps_param(p, "interval_steps");
        dt = param(p, "dt");
        w_min = param(p, "w_min");
        w_max = param(p, "w_max");
        ticks = true;
        uses_pre = uses_post = false;
    }
    void attach(Projection& p) override { sensor = &p.post().trace(tau_rate, TraceMode::all_to_all); }
    void tick(Projection& p, int k, step_t t) override {
        if ((t + 1) % interval != 0) return;
        const double g = eta(t) * static_cast<double>(interval) * dt / (target * tau_scaling);
        if (g == 0.0) return;
        Shard& s = p.shards()[static_cast<std::size_t>(k)];
        if (s.size() == 0) return;
        for (index_t li = 0; li < s.posts.size(); ++li) {
            const std::uint64_t pb = s.pm_ptr[li], pe = s.pm_end[li];
            if (pb == pe) continue;
            const double nu = sensor->value_at(s.posts.begin + li, t) / tau_rate;
            const double f = std::exp(g * (target - nu));
            for (std::uint64_t m = pb; m < pe; ++m) {
                float& w = s.w[s.pm_syn[m]];
                w = static_cast<float>(std::clamp(w * f, w_min, w_max));
            }
        }
    }
    double target, tau_scaling, tau_rate, dt, w_min, w_max;
    step_t interval;

private:
    SpikeTrace* sensor = nullptr;
};

}  // namespace pyneuro
