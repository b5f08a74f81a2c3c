// Design notes: rate-based Hebbian learning with Oja's normalisation (Oja 1982), on slow spike-rate traces.
// With x_j and y_i the pre- and postsynaptic rate estimates (Hz; all_to_all traces of time constant tau_rate
// divided by tau_rate), every `interval` (Delta, in s):
//   w <- clip(w + eta Delta (x_j y_i - alpha y_i^2 w))
// For fixed rates the weight relaxes to w* = x_j / (alpha y_i); for a linear neuron y = sum_j w_j x_j, the weight
// vector converges to the principal eigenvector of the input correlation matrix with |w|^2 = 1 / alpha.
// A sweep over thread k's shard (forward store: one pre rate per row, one post rate per target).
#pragma once
#include <algorithm>
#include <vector>

#include "../synapses/projection.hpp"
#include "rule.hpp"

namespace pyneuro {

class OjaHebbian final : public Rule {
public:
    explicit OjaHebbian(const ParamMap& p) {
        rate = param(p, "eta");
        alpha = param(p, "alpha");
        tau_rate = param(p, "tau_rate");
        interval = steps_param(p, "interval_steps");
        dt = param(p, "dt");
        w_min = param(p, "w_min");
        w_max = param(p, "w_max");
        ticks = true;
        uses_pre = uses_post = false;
    }
    void attach(Projection& p) override {
        xpre = &p.pre().trace(tau_rate, TraceMode::all_to_all);
        xpost = &p.post().trace(tau_rate, TraceMode::all_to_all);
        y_.assign(static_cast<std::size_t>(p.n_threads()), {});
    }
    void tick(Projection& p, int k, step_t t) override {
        if ((t + 1) % interval != 0) return;
        const double g = rate * eta(t) * static_cast<double>(interval) * dt * 1e-3;
        if (g == 0.0) return;
        Shard& s = p.shards()[static_cast<std::size_t>(k)];
        if (s.size() == 0) return;
        std::vector<double>& y = y_[static_cast<std::size_t>(k)];
        y.resize(s.posts.size());
        const double to_hz = 1e3 / tau_rate;
        for (index_t li = 0; li < s.posts.size(); ++li) y[li] = xpost->value_at(s.posts.begin + li, t) * to_hz;
        const std::uint32_t mask = p.post_mask();
        for (index_t j = 0; j < p.pre().size(); ++j) {
            const std::uint64_t b = s.row_ptr[j], e = s.row_end[j];
            if (b == e) continue;
            const double x = xpre->value_at(j, t, true) * to_hz;  // strict: another thread may be writing step t
            for (std::uint64_t q = b; q < e; ++q) {
                const double yi = y[s.pd[q] & mask];
                const double w = s.w[q];
                s.w[q] = static_cast<float>(std::clamp(w + g * (x * yi - alpha * yi * yi * w), w_min, w_max));
            }
        }
    }
    double rate, alpha, tau_rate, dt, w_min, w_max;
    step_t interval;

private:
    SpikeTrace *xpre = nullptr, *xpost = nullptr;
    std::vector<std::vector<double>> y_;  // per thread scratch: post rates of the shard
};

}  // namespace pyneuro
