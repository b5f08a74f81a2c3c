// Design notes: spikes given in advance (times in ms and neuron indices), as NEST's spike_generator feeding
// parrot neurons. A time t is emitted at step round(t / dt); duplicates of one neuron within a step merge.
// Input to a generator is ignored, but its spikes still drive the postsynaptic half of plasticity rules, so a
// rule can be exercised by exact pre and post spike trains.
#pragma once
#include <algorithm>

#include "population.hpp"

namespace pyneuro {

class SpikeGenerator final : public Population {
public:
    SpikeGenerator(index_t n, const ParamMap&) : Population("SpikeGenerator", n) {
        refr_.assign(n, 0);
    }
    bool is_source() const override { return true; }
    void prepare(double) override {}
    float* input(Receptor, float& sign) override {
        sign = 0.0f;
        return nullptr;
    }
    const char* primary_var() const override { return ""; }

    // Events as (step, index), sorted and de-duplicated here.
    bool set_events(std::vector<step_t> steps, std::vector<index_t> idx) override {
        std::vector<std::size_t> order(steps.size());
        for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
        std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
            return steps[x] != steps[y] ? steps[x] < steps[y] : idx[x] < idx[y];
        });
        steps_.clear();
        idx_.clear();
        for (std::size_t k : order) {
            if (!steps_.empty() && steps_.back() == steps[k] && idx_.back() == idx[k]) continue;
            steps_.push_back(steps[k]);
            idx_.push_back(idx[k]);
        }
        return true;
    }
    const std::vector<step_t>& event_steps() const { return steps_; }
    const std::vector<index_t>& event_indices() const { return idx_; }

    void update(Range r, step_t t, const Philox&, std::vector<index_t>& out) override {
        auto lo = std::lower_bound(steps_.begin(), steps_.end(), t);
        auto hi = std::upper_bound(lo, steps_.end(), t);
        const std::size_t a = static_cast<std::size_t>(lo - steps_.begin()), b = static_cast<std::size_t>(hi - steps_.begin());
        for (std::size_t k = a; k < b; ++k)
            if (r.contains(idx_[k])) out.push_back(idx_[k]);
    }
    void save_extra(StateDict& d, const std::string& prefix) const override {
        put(d, prefix + "event_steps", steps_);
        put(d, prefix + "event_idx", idx_);
    }
    void load_extra(const StateDict& d, const std::string& prefix, step_t) override {
        auto steps = take<step_t>(d, prefix + "event_steps");
        auto idx = take_n<index_t>(d, prefix + "event_idx", steps.size());
        require_range(idx, prefix + "event_idx", 0, static_cast<std::int64_t>(n_) - 1);
        for (std::size_t k = 1; k < steps.size(); ++k)
            require(steps[k - 1] < steps[k] || (steps[k - 1] == steps[k] && idx[k - 1] < idx[k]), prefix + "event_steps",
                    "events must be sorted by step, then index, without duplicates");
        steps_ = std::move(steps);
        idx_ = std::move(idx);
    }

private:
    std::vector<step_t> steps_;
    std::vector<index_t> idx_;
};

}  // namespace pyneuro
