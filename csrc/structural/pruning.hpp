// Design notes: pruning. Every `interval`, each synapse is tested:
//   weak      w < threshold, or (min_rate > 0) its presynaptic neuron's rate estimate is below min_rate (inactive);
//   sustained the condition has held at every test for at least `sustain` ms (a per-synapse column);
//   then it is removed with `probability` (1: always): among each post neuron's due synapses, in canonical order,
//   removals are placed by geometric skips drawn from keyed uniforms of (projection, rule, post, epoch, draw
//   number), so the choice is independent of the thread count and costs one draw per removal;
//   age       independently, a synapse older than max_age ms (a per-synapse column) is removed.
// Cost: one pass over the shard's synapses per interval.
#pragma once
#include <algorithm>

#include "../synapses/projection.hpp"
#include "structural_rule.hpp"

namespace pyneuro {

class Pruning final : public StructuralRule {
public:
    explicit Pruning(const ParamMap& p) {
        threshold = param(p, "threshold");
        sustain = param(p, "sustain");
        probability = param(p, "probability");
        max_age = param(p, "max_age");
        min_rate = param(p, "min_rate");
        tau_rate = param(p, "tau_rate");
        interval = steps_param(p, "interval_steps");
        dt = param(p, "dt");
    }
    bool removes_only() const override { return true; }
    void attach(Projection& p) override {
        if (sustain > 0.0) col_below = p.add_column(0.0f);
        if (max_age > 0.0) col_age = p.add_column(0.0f);
        if (min_rate > 0.0) rate = &p.pre().trace(tau_rate, TraceMode::all_to_all);
    }
    void apply(Projection& p, int k, const StructCtx& c, std::vector<StructEvent>& log) override {
        Shard& s = p.shards()[static_cast<std::size_t>(k)];
        if (s.size() == 0) return;
        const std::uint32_t mask = p.post_mask();
        const double step_ms = static_cast<double>(interval) * dt;
        const std::uint32_t obj = (static_cast<std::uint32_t>(p.id()) << 8) ^ static_cast<std::uint32_t>(c.rule_index);
        // Removal with probability p among a post neuron's due synapses (canonical order: rows ascending, then
        // delay): geometric skips, one keyed draw per removal rather than one per candidate.
        const bool certain = probability >= 1.0;
        const double log1mp = certain ? 0.0 : std::log1p(-probability);
        std::vector<std::int64_t> skip(certain ? 0 : s.posts.size(), -1);
        std::vector<std::uint32_t> draws(certain ? 0 : s.posts.size(), 0);
        auto next_skip = [&](index_t li) {
            const double u = 1.0 - keyed_uniform(*c.rng, obj, s.posts.begin + li, c.epoch, draws[li]++);  // (0, 1]
            return static_cast<std::int64_t>(std::floor(std::log(u) / log1mp));
        };
        std::vector<std::pair<index_t, std::uint64_t>> doomed;
        float* below = col_below >= 0 ? s.cols[static_cast<std::size_t>(col_below)].data() : nullptr;
        float* age = col_age >= 0 ? s.cols[static_cast<std::size_t>(col_age)].data() : nullptr;
        const index_t n_pre = p.pre().size();
        const float thr = static_cast<float>(threshold);
        for (index_t j = 0; j < n_pre; ++j) {
            const std::uint64_t b = s.row_ptr[j], e = s.row_end[j];
            if (b == e) continue;
            const bool inactive = rate && rate->value_at(j, c.t - 1) / tau_rate * 1e3 < min_rate;
            for (std::uint64_t q = b; q < e; ++q) {
                bool remove = false;
                if (age) {
                    age[q] = static_cast<float>(age[q] + step_ms);
                    remove = age[q] >= max_age;
                }
                const bool weak = s.w[q] < thr || inactive;
                bool due = weak;
                if (below) {
                    below[q] = weak ? static_cast<float>(below[q] + step_ms) : 0.0f;
                    due = weak && below[q] >= sustain;
                }
                if (due && !remove) {
                    if (certain) {
                        remove = true;
                    } else {
                        const index_t li = s.pd[q] & mask;
                        if (skip[li] < 0) skip[li] = next_skip(li);
                        if (skip[li] == 0) {
                            remove = true;
                            skip[li] = next_skip(li);
                        } else {
                            --skip[li];
                        }
                    }
                }
                if (remove) doomed.emplace_back(j, q);
            }
        }
        for (auto it = doomed.rbegin(); it != doomed.rend(); ++it) {
            const std::uint64_t q = it->second;
            const StructEvent ev{c.t, StructEvent::pruned, p.id(), it->first, s.posts.begin + (s.pd[q] & mask), s.w[q]};
            reserve_event(log);
            p.erase_local(k, it->first, q);
            log.push_back(ev);
        }
    }
    void save(StateDict& d, const std::string& prefix, const Projection& p) const override {
        if (col_below >= 0) put(d, prefix + "below", p.column(col_below));
        if (col_age >= 0) put(d, prefix + "age", p.column(col_age));
    }
    void load(const StateDict& d, const std::string& prefix, Projection& p) override {
        for (auto [col, name] : {std::pair{col_below, "below"}, std::pair{col_age, "age"}}) {
            if (col < 0) continue;
            auto v = take_n<float>(d, prefix + name, p.size());
            require_finite(v, prefix + name, 0.0);
            p.set_column(col, v);
        }
    }
    double threshold, sustain, probability, max_age, min_rate, tau_rate, dt;

private:
    int col_below = -1, col_age = -1;
    SpikeTrace* rate = nullptr;
};

}  // namespace pyneuro
