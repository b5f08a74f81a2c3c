// Design notes: inhibitory STDP of Vogels, Sprekeler, Zenke, Clopath & Gerstner 2011 (Science 334:1569).
// Symmetric window; unit traces x_pre, x_post (all_to_all, time constant tau):
//   presynaptic arrival at t:  w += eta (x_post(t) - alpha)      alpha = 2 target_rate tau
//   postsynaptic spike at t:   w += eta x_pre(t - d)
// so a postsynaptic neuron firing above target_rate strengthens its inhibition and one below weakens it; the weight is
// clipped to [w_min, w_max] (w >= 0: it is the conductance of an inhibitory synapse).
#pragma once
#include <algorithm>

#include "../synapses/projection.hpp"
#include "post_loop.hpp"
#include "rule.hpp"

namespace pyneuro {

class InhibitorySTDP final : public Rule {
public:
    explicit InhibitorySTDP(const ParamMap& p) {
        tau = param(p, "tau");
        rate = param(p, "eta");
        alpha = 2.0 * param(p, "target_rate") * 1e-3 * tau;
        w_min = param(p, "w_min");
        w_max = param(p, "w_max");
    }
    void attach(Projection& p) override {
        xpre = &p.pre().trace(tau, TraceMode::all_to_all);
        xpost = &p.post().trace(tau, TraceMode::all_to_all);
        p.mirror_pre_trace(*xpre);  // read by the post-spike loop at the arrival time
    }
    void on_pre(Projection& p, Shard& s, index_t, std::uint64_t b, std::uint64_t e, step_t t) override {
        const double amp = rate * eta(t);
        if (amp == 0.0) return;
        for_each_arrival(p, s, b, e, [this](index_t i) { xpost->prefetch_now(i); },
                         [&](std::uint64_t k, index_t i) { s.w[k] = clip(s.w[k] + amp * (xpost->value_now(i, t) - alpha)); });
    }
    void on_post(Projection& p, Shard& s, index_t, std::uint64_t pb, std::uint64_t pe, step_t t) override {
        const double amp = rate * eta(t);
        if (amp == 0.0) return;
        for_each_post_synapse(p, s, pb, pe, t, *xpre,
                              [&](std::uint32_t k, double x, index_t, step_t) { s.w[k] = clip(s.w[k] + amp * x); });
    }
    double tau, rate, alpha, w_min, w_max;

private:
    float clip(double w) const { return static_cast<float>(std::clamp(w, w_min, w_max)); }
    SpikeTrace *xpre = nullptr, *xpost = nullptr;
};

}  // namespace pyneuro
