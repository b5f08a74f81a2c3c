// Design notes: renewal spike sources with gamma-distributed intervals and a dead time (NEST's gamma_sup_generator
// per neuron and poisson_generator_ps's dead_time; PyNN's SpikeSourceGamma and SpikeSourcePoissonRefractory).
// Each neuron's interspike interval is dead_time + Gamma(shape, scale 1000 / rate) ms: shape 1 is a Poisson
// process with dead time (mean interval dead_time + 1000 / rate), dead_time 0 a gamma process of order `shape`
// (mean interval 1000 shape / rate). rate = 0 or shape = 0 means silent.
// - The next spike time is held per neuron in continuous time (steps, double) and emitted in the step that contains
//   it (at most one spike per step: intervals shorter than a step merge).
// - Interval k of neuron i comes from the counter-based stream keyed by (seed, population, i, k), k counting that
//   neuron's draws: independent of threads, and a checkpoint (next times and counters) continues exactly.
// - Parameters are per-neuron state variables ("rate" Hz, "shape", "dead_time" ms), settable between runs; a neuron
//   whose parameters changed starts a fresh interval at the next run's first step (memory is lost only there).
// Thread safety: update() touches only its range's neurons.
#pragma once
#include <cmath>
#include <cstdint>
#include <algorithm>
#include <limits>

#include "../core/variates.hpp"
#include "population.hpp"

namespace pyneuro {

class GammaSource final : public Population {
public:
    GammaSource(index_t n, const ParamMap& p) : Population("GammaSource", n) {
        reg("rate", rate_, static_cast<float>(param(p, "rate")));
        reg("shape", shape_, static_cast<float>(param_or(p, "shape", 1.0)));
        reg("dead_time", dead_, static_cast<float>(param_or(p, "dead_time", 0.0)));
        next_.assign(n, kNever);
        count_.assign(n, 0);
        seen_.assign(3 * static_cast<std::size_t>(n), std::numeric_limits<float>::quiet_NaN());  // "never set": draws
        refr_.assign(n, 0);
    }
    bool is_source() const override { return true; }
    void prepare(double dt) override { dt_ = dt; }
    float* input(Receptor, float& sign) override {
        sign = 0.0f;
        return nullptr;
    }
    const char* primary_var() const override { return "rate"; }

    // Before a run at step t: neurons whose parameters changed since they were last drawn start afresh at t.
    void on_clock(step_t t, const Philox& rng) override {
        for (index_t i = 0; i < n_; ++i) {
            float* s = &seen_[3 * static_cast<std::size_t>(i)];
            if (s[0] == rate_[i] && s[1] == shape_[i] && s[2] == dead_[i]) continue;
            s[0] = rate_[i];
            s[1] = shape_[i];
            s[2] = dead_[i];
            next_[i] = static_cast<double>(t) + interval(i, rng);
        }
    }
    void on_added(index_t old_n, index_t new_n, step_t now, const Philox& rng) override {
        for (index_t i = old_n; i < new_n; ++i) {
            float* s = &seen_[3 * static_cast<std::size_t>(i)];
            s[0] = rate_[i];
            s[1] = shape_[i];
            s[2] = dead_[i];
            next_[i] = static_cast<double>(now) + interval(i, rng);
        }
    }
    void grow_extra(index_t, index_t new_n) override {
        next_.resize(new_n, kNever);
        count_.resize(new_n, 0);
        seen_.resize(3 * static_cast<std::size_t>(new_n), std::numeric_limits<float>::quiet_NaN());
    }
    void update(Range r, step_t t, const Philox& rng, std::vector<index_t>& out) override {
        const double end = static_cast<double>(t) + 1.0;
        for (index_t i = r.begin; i < r.end; ++i) {
            if (!(next_[i] < end)) continue;
            out.push_back(i);
            while (next_[i] < end) next_[i] += interval(i, rng);
        }
    }
    void save_extra(StateDict& d, const std::string& prefix) const override {
        put(d, prefix + "next", next_);
        put(d, prefix + "count", count_);
        put(d, prefix + "seen", seen_);
    }
    void load_extra(const StateDict& d, const std::string& prefix, step_t now) override {
        auto next = take_n<double>(d, prefix + "next", n_);
        for (double x : next)  // the next spike at or after now (or never)
            require(x >= static_cast<double>(now), prefix + "next", "a next spike before the checkpoint's step or NaN");
        next_ = std::move(next);
        count_ = take_n<std::uint64_t>(d, prefix + "count", n_);
        seen_ = take_n<float>(d, prefix + "seen", 3 * static_cast<std::size_t>(n_));
    }

private:
    static constexpr double kNever = std::numeric_limits<double>::infinity();

    // The next interval of neuron i (steps), from its own stream; infinite when silent.
    double interval(index_t i, const Philox& rng) {
        const double rate = rate_[i], shape = shape_[i];
        if (!(rate > 0.0) || !(shape > 0.0)) return kNever;
        RngStream s(rng, RngDomain::renewal, static_cast<std::uint32_t>(id_), i, count_[i]++);
        double g;
        if (shape == 1.0) {
            g = -std::log(s.uniform_open0());
        } else if (shape > 1.0) {
            g = gamma_variate(s, shape);
        } else {  // Gamma(a) = Gamma(a + 1) U^(1/a) for a < 1
            g = gamma_variate(s, shape + 1.0);
            g *= std::pow(s.uniform_open0(), 1.0 / shape);
        }
        const double ms = static_cast<double>(dead_[i]) + g * 1000.0 / rate;
        return std::max(ms / dt_, 1e-9);
    }

    double dt_ = 0.1;
    avector<float> rate_, shape_, dead_;
    std::vector<double> next_;
    std::vector<std::uint64_t> count_;
    std::vector<float> seen_;  // the parameters each neuron's current interval was drawn with
};

}  // namespace pyneuro
