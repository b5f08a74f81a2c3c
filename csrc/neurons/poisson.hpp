// Design notes: Poisson spike sources with per-neuron rates (Hz), changeable between runs.
// Each step is an independent Bernoulli trial with p = rate dt (at most one spike per step), sampled as the
// geometric waiting time to the next spike, so a step costs one comparison per neuron instead of one random
// number. The waiting time after a spike at step s is drawn from the counter-based stream keyed by
// (seed, population, neuron, s): independent of threads and reproducible after a checkpoint. When rates or the
// clock change, every neuron redraws from the current step (the process is memoryless, so this is exact).
// Neurogenesis: new neurons start with the registered rate and, through redraw(), their first spike drawn from the
// step they are added (keyed as on_clock keys it); the other neurons keep their next spikes.
#pragma once
#include <cmath>
#include <limits>

#include "population.hpp"

namespace pyneuro {

class PoissonSource final : public Population {
public:
    PoissonSource(index_t n, const ParamMap& p) : Population("PoissonSource", n) {
        reg("rate", rate_, static_cast<float>(param(p, "rate")));
        next_.assign(n, -1);
        refr_.assign(n, 0);
    }
    bool is_source() const override { return true; }
    void prepare(double dt) override { dt_ = dt; }
    float* input(Receptor, float& sign) override {
        sign = 0.0f;
        return nullptr;
    }
    const char* primary_var() const override { return "rate"; }

    // Next spike step at or after `from` for neuron i, with `key_step` naming the draw.
    step_t draw(index_t i, step_t from, step_t key_step, const Philox& rng) const {
        const double p = static_cast<double>(rate_[i]) * dt_ * 1e-3;
        if (!(p > 0.0)) return std::numeric_limits<step_t>::max();
        if (p >= 1.0) return from;
        RngStream s(rng, RngDomain::poisson, static_cast<std::uint32_t>(id_), i, static_cast<std::uint64_t>(key_step));
        const double k = std::floor(std::log(s.uniform_open0()) / std::log1p(-p));
        if (k > 1e15) return std::numeric_limits<step_t>::max();
        return from + static_cast<step_t>(k);
    }
    // After rates were set (or the clock moved), every neuron re-draws from the current step.
    void on_clock(step_t t, const Philox& rng) override {
        if (!dirty_) return;
        redraw(0, n_, t, rng);
        dirty_ = false;
    }
    void on_set(const std::string& var) override {
        if (var == "rate") dirty_ = true;
    }
    void on_set_slice(const std::string& var, index_t b, index_t e, step_t now, const Philox& rng) override {
        if (var == "rate") redraw(b, e, now, rng);
    }
    void on_added(index_t old_n, index_t new_n, step_t now, const Philox& rng) override { redraw(old_n, new_n, now, rng); }
    // Next spikes of neurons [b, e) from step t on.
    void redraw(index_t b, index_t e, step_t t, const Philox& rng) {
        // key by the step before t, as if the previous draw had just been taken there
        for (index_t i = b; i < e; ++i) next_[i] = draw(i, t, -1 - t, rng);
    }
    void grow_extra(index_t, index_t new_n) override { next_.resize(new_n, std::numeric_limits<step_t>::max()); }
    void update(Range r, step_t t, const Philox& rng, std::vector<index_t>& out) override {
        step_t* __restrict nx = next_.data();
        for (index_t i = r.begin; i < r.end; ++i) {
            if (nx[i] == t) {
                out.push_back(i);
                nx[i] = draw(i, t + 1, t, rng);
            }
        }
    }
    void save_extra(StateDict& d, const std::string& prefix) const override {
        put(d, prefix + "next", next_);
        put(d, prefix + "dirty", std::vector<std::uint8_t>{static_cast<std::uint8_t>(dirty_)});
    }
    void load_extra(const StateDict& d, const std::string& prefix, step_t now) override {
        // rates within [0, 1/dt] (one spike per step at most); next spikes at or after now unless a redraw is due
        require_finite(rate_, prefix + "var/rate", 0.0, 1e3 / dt_ * (1.0 + 1e-6));
        bool dirty = false;
        if (has(d, prefix + "dirty")) {
            const auto flag = take_n<std::uint8_t>(d, prefix + "dirty", 1);
            require_range(flag, prefix + "dirty", 0, 1);
            dirty = flag[0] != 0;
        }
        auto next = take_n<step_t>(d, prefix + "next", n_);
        if (!dirty) require_range(next, prefix + "next", now, std::numeric_limits<step_t>::max());
        next_ = std::move(next);
        dirty_ = dirty;
    }

private:
    double dt_ = 0.1;
    bool dirty_ = true;
    avector<float> rate_;
    std::vector<step_t> next_;
};

}  // namespace pyneuro
