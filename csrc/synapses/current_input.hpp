// Design notes: current inputs: a current (pA, or the target model's I_e unit) injected into chosen neurons of one
// population at every step, with no source population (NEST's step_current_generator, ac_generator and
// noise_generator; PyNN's StepCurrentSource, ACSource and NoisyCurrentSource).
// - The current of step t acts on the integration of step t, from t dt to (t + 1) dt, through the model's
//   per-neuron stimulus current I_stim: during a run the engine sets I_stim = (the value set between runs) + (the
//   sum of the current inputs of the step) in phase 1, and puts the set value back when the run ends (engine.cpp),
//   so the inputs carry no state and a value set from outside is never lost.
// - The amplitude is a function of (parameters, neuron, step) alone; the noise of NoisyCurrent is counter-based
//   (one normal variate keyed by seed, input, neuron and noise interval), so results are identical for any thread
//   count and a restored checkpoint continues exactly. current(i, t) gives the same number for recording.
// - Times are lowered once to steps (round to nearest): a window [start, stop) acts on the steps
//   round(start / dt) <= t < round(stop / dt).
// - Targets: every neuron of the population, or the neurons given as parameters "neuron/0", "neuron/1", ...
//   (their count "n_neurons"); each listed neuron gets the current once per listing.
// Thread safety: apply() is called concurrently for disjoint ranges and writes only there.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "../core/philox.hpp"
#include "input.hpp"

namespace pyneuro {

class CurrentInput : public Input {
public:
    CurrentInput(int id, Population& target, Receptor r, const ParamMap& p) : Input(id, target, r) {
        read_targets(p);
        if (!target.var("I_stim"))
            throw ArgumentError("current input: population model " + target.kind() + " has no stimulus current I_stim");
    }

    bool adds_current() const override { return true; }

    void prepare(double dt, bool) override {
        out_ = target_->var("I_stim")->data();
        lower(dt);
    }

    void apply(Range R, step_t t, const Philox& rng) const override {
        if (!active(t) || R.size() == 0) return;
        const bool each = per_neuron();
        const float same = each ? 0.0f : static_cast<float>(amplitude(0, t, rng));  // computed once per step
        if (all_) {
            for (index_t i = R.begin; i < R.end; ++i) out_[i] += each ? static_cast<float>(amplitude(i, t, rng)) : same;
        } else {
            auto it = std::lower_bound(neurons_.begin(), neurons_.end(), R.begin);
            for (; it != neurons_.end() && *it < R.end; ++it)
                out_[*it] += each ? static_cast<float>(amplitude(*it, t, rng)) : same;
        }
    }

    double current(index_t i, step_t t, const Philox& rng) const override {
        if (!active(t)) return 0.0;
        if (!all_ && !std::binary_search(neurons_.begin(), neurons_.end(), i)) return 0.0;
        return static_cast<double>(static_cast<float>(amplitude(i, t, rng)));
    }

protected:
    // The neurons reached (parameters n_neurons and neuron/k; all when n_neurons is absent).
    void read_targets(const ParamMap& p) {
        const Population& target = *target_;
        neurons_.clear();
        const double n = param_or(p, "n_neurons", -1.0);
        all_ = n < 0.0;
        if (!all_) {
            if (n != std::floor(n) || n > 4294967295.0) throw ArgumentError("current input: n_neurons must be a whole number");
            const auto k = static_cast<std::size_t>(n);
            neurons_.reserve(k);
            for (std::size_t j = 0; j < k; ++j) {
                const double i = param(p, "neuron/" + std::to_string(j));
                if (!(i >= 0.0) || i != std::floor(i) || i >= static_cast<double>(target.size()))
                    throw ArgumentError("current input: neuron index " + std::to_string(i) + " is not in [0, " +
                                        std::to_string(target.size()) + ")");
                neurons_.push_back(static_cast<index_t>(i));
            }
            std::sort(neurons_.begin(), neurons_.end());
        }
    }

    // Lower the times to steps (prepare).
    virtual void lower(double dt) = 0;
    // Whether the input injects anything at step t (same for every neuron).
    virtual bool active(step_t t) const = 0;
    // The current into neuron i at step t, where active(t).
    virtual double amplitude(index_t i, step_t t, const Philox& rng) const = 0;
    // Whether the amplitude differs between neurons (else apply() computes it once per step).
    virtual bool per_neuron() const { return false; }

    static step_t to_step(double ms, double dt) {
        if (!(ms < 1e15 * dt)) return std::numeric_limits<step_t>::max();  // "never" (stop = inf)
        return static_cast<step_t>(std::llround(ms / dt));
    }

    bool all_ = true;
    std::vector<index_t> neurons_;
    float* out_ = nullptr;
};

// A piecewise constant current: amplitude a_k from time t_k until the next time (0 before the first; the last
// holds for ever). Parameters: n_times, "time/k" (ms, non-decreasing), "amplitude/k". Times falling on the same
// step: the last one wins.
class StepCurrent final : public CurrentInput {
public:
    StepCurrent(int id, Population& target, Receptor r, const ParamMap& p) : CurrentInput(id, target, r, p) { read(p); }
    // new parameters, in place (Engine::set_input checked them on a trial copy first)
    void set(const ParamMap& p) override {
        read_targets(p);
        read(p);
    }

private:
    void read(const ParamMap& p) {
        times_.clear();
        amps_.clear();
        const double n = param(p, "n_times");
        if (!(n >= 0.0) || n != std::floor(n) || n > 1e9) throw ArgumentError("StepCurrent: n_times must be a whole number");
        for (std::size_t k = 0; k < static_cast<std::size_t>(n); ++k) {
            const double tk = param(p, "time/" + std::to_string(k));
            if (!(tk >= 0.0) || (!times_.empty() && tk < times_.back()))
                throw ArgumentError("StepCurrent: times must be >= 0 and non-decreasing");
            times_.push_back(tk);
            amps_.push_back(param(p, "amplitude/" + std::to_string(k)));
        }
    }

protected:
    void lower(double dt) override {
        steps_.clear();
        for (double tk : times_) steps_.push_back(to_step(tk, dt));
    }
    bool active(step_t t) const override { return !steps_.empty() && t >= steps_.front(); }
    double amplitude(index_t, step_t t, const Philox&) const override {
        const auto k = static_cast<std::size_t>(std::upper_bound(steps_.begin(), steps_.end(), t) - steps_.begin());
        return amps_[k - 1];
    }

private:
    std::vector<double> times_, amps_;
    std::vector<step_t> steps_;
};

// A sinusoidal current between start and stop: offset + amplitude sin(2 pi frequency (t - start) + phase), with t
// the step's start time; frequency in Hz, phase in degrees (the phase holds at t = start).
class ACCurrent final : public CurrentInput {
public:
    ACCurrent(int id, Population& target, Receptor r, const ParamMap& p) : CurrentInput(id, target, r, p) { read(p); }
    // new parameters, in place (Engine::set_input checked them on a trial copy first)
    void set(const ParamMap& p) override {
        read_targets(p);
        read(p);
    }

private:
    void read(const ParamMap& p) {
        amplitude_ = param(p, "amplitude");
        offset_ = param(p, "offset");
        frequency_ = param(p, "frequency");
        phase_ = param(p, "phase");
        start_ = param(p, "start");
        stop_ = param(p, "stop");
    }

protected:
    void lower(double dt) override {
        dt_ = dt;
        s0_ = to_step(start_, dt);
        s1_ = to_step(stop_, dt);
    }
    bool active(step_t t) const override { return t >= s0_ && t < s1_; }
    double amplitude(index_t, step_t t, const Philox&) const override {
        const double since = static_cast<double>(t - s0_) * dt_;  // ms
        return offset_ + amplitude_ * std::sin(kTwoPi * frequency_ * 1e-3 * since + phase_ * (kTwoPi / 360.0));
    }

private:
    static constexpr double kTwoPi = 6.283185307179586;
    double amplitude_ = 0, offset_ = 0, frequency_ = 0, phase_ = 0, start_ = 0, stop_ = 0, dt_ = 0;
    step_t s0_ = 0, s1_ = 0;
};

// Gaussian white-ish noise between start and stop: every interval of `dt` ms (a whole number of steps, counted
// from start) each target neuron gets a new independent value mean + stdev N(0, 1), held for the interval.
class NoisyCurrent final : public CurrentInput {
public:
    NoisyCurrent(int id, Population& target, Receptor r, const ParamMap& p) : CurrentInput(id, target, r, p) { read(p); }
    // new parameters, in place (Engine::set_input checked them on a trial copy first)
    void set(const ParamMap& p) override {
        read_targets(p);
        read(p);
    }

private:
    void read(const ParamMap& p) {
        mean_ = param(p, "mean");
        stdev_ = param(p, "stdev");
        noise_dt_ = param(p, "dt");
        start_ = param(p, "start");
        stop_ = param(p, "stop");
        if (!(stdev_ >= 0.0)) throw ArgumentError("NoisyCurrent: stdev must be >= 0");
        if (!(noise_dt_ > 0.0)) throw ArgumentError("NoisyCurrent: dt must be > 0");
    }

protected:
    void lower(double dt) override {
        s0_ = to_step(start_, dt);
        s1_ = to_step(stop_, dt);
        const double m = noise_dt_ / dt;
        every_ = std::llround(m);
        if (every_ < 1 || std::abs(m - static_cast<double>(every_)) > 1e-6 * m)
            throw ArgumentError("NoisyCurrent: dt = " + std::to_string(noise_dt_) +
                                " ms must be a whole multiple of the time step " + std::to_string(dt) + " ms");
    }
    bool active(step_t t) const override { return t >= s0_ && t < s1_; }
    bool per_neuron() const override { return true; }
    double amplitude(index_t i, step_t t, const Philox& rng) const override {
        const auto interval = static_cast<std::uint64_t>((t - s0_) / every_);
        RngStream s(rng, RngDomain::current_input, static_cast<std::uint32_t>(id_), i, interval);
        return mean_ + stdev_ * s.normal();
    }

private:
    double mean_ = 0, stdev_ = 0, noise_dt_ = 0, start_ = 0, stop_ = 0;
    step_t s0_ = 0, s1_ = 0;
    long long every_ = 1;
};

}  // namespace pyneuro
