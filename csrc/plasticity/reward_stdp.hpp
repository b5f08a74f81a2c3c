// Design notes: reward-modulated (three-factor) STDP, after Izhikevich 2007 (Cereb. Cortex 17:2443).
// Each synapse has an eligibility trace c (a float column); pair-STDP events add to it instead of to w:
//   presynaptic arrival at t:  c += a_post x_post(t)          postsynaptic spike at t:  c += a_pre x_pre(t - d)
// A global neuromodulator (dopamine) level  D(t) = tonic(t) + p(t), where the phasic part p decays with tau_d,
//   p(t) = p(t-1) exp(-dt/tau_d) + (rewards at step t) + gain (spikes of the modulator population at step t-1),
// rewards being set from Python (at any step) and tonic(t) a schedule (constant by default). Every `interval`
// steps (Delta = interval dt) the weights follow dw/dt = c D, then c decays:
//   w <- clip(w + eta(t) c sum_{steps of the interval} D dt);   c <- c exp(-Delta / tau_c)
// (Izhikevich's 1 ms Euler scheme with Delta = 1 ms). Each thread advances its own copy of the modulator
// identically, so results do not depend on the thread count. Costs one sweep over the synapses per interval.
#pragma once
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "../synapses/projection.hpp"
#include "post_loop.hpp"
#include "rule.hpp"

namespace pyneuro {

class RewardSTDP final : public Rule {
public:
    explicit RewardSTDP(const ParamMap& p) {
        tau_pre = param(p, "tau_pre");
        tau_post = param(p, "tau_post");
        a_pre = param(p, "a_pre");
        a_post = param(p, "a_post");
        tau_c = param(p, "tau_c");
        tau_d = param(p, "tau_d");
        w_min = param(p, "w_min");
        w_max = param(p, "w_max");
        interval = steps_param(p, "interval_steps");
        dt = param(p, "dt");
        gain = param_or(p, "modulator_gain", 0.0);
        tonic.set({}, param(p, "tonic"));
        ticks = true;
    }
    void set_modulator(Population* m) { mod = m; }
    const Population* reads_spikes_of() const override { return mod; }
    Schedule* schedule_slot(int slot) override { return slot == 0 ? &schedule : (slot == 1 ? &tonic : nullptr); }
    void attach(Projection& p) override {
        xpre = &p.pre().trace(tau_pre, TraceMode::all_to_all);
        xpost = &p.post().trace(tau_post, TraceMode::all_to_all);
        p.mirror_pre_trace(*xpre);  // read by the post-spike loop at the arrival time
        col = p.add_column(0.0f);
        st_.assign(static_cast<std::size_t>(p.n_threads()), State{});
        decay_d = std::exp(-dt / tau_d);
        decay_c = static_cast<float>(std::exp(-static_cast<double>(interval) * dt / tau_c));
    }
    void on_pre(Projection& p, Shard& s, index_t, std::uint64_t b, std::uint64_t e, step_t t) override {
        float* c = s.cols[static_cast<std::size_t>(col)].data();
        for_each_arrival(p, s, b, e, [this](index_t i) { xpost->prefetch_now(i); }, [&](std::uint64_t k, index_t i) {
            const double x = xpost->value_now(i, t);
            if (x != 0.0) c[k] = static_cast<float>(c[k] + a_post * x);
        });
    }
    void on_post(Projection& p, Shard& s, index_t, std::uint64_t pb, std::uint64_t pe, step_t t) override {
        float* c = s.cols[static_cast<std::size_t>(col)].data();
        for_each_post_synapse(p, s, pb, pe, t, *xpre, [&](std::uint32_t k, double x, index_t, step_t) {
            c[k] = static_cast<float>(c[k] + a_pre * x);
        });
    }
    void tick(Projection& p, int k, step_t t) override {
        State& st = st_[static_cast<std::size_t>(k)];
        st.phasic *= decay_d;
        while (st.next < rewards_.size() && rewards_[st.next].first <= t) st.phasic += rewards_[st.next++].second;
        if (mod && gain != 0.0 && mod->ring().holds(t - 1)) {
            std::size_t n = 0;
            for (int th = 0; th < mod->ring().lanes(); ++th) n += mod->ring().list(t - 1, th).size();
            st.phasic += gain * static_cast<double>(n);
        }
        st.acc += (tonic.at(t) + st.phasic) * dt;
        if ((t + 1) % interval != 0) return;
        const double g = eta(t) * st.acc;
        st.acc = 0.0;
        Shard& s = p.shards()[static_cast<std::size_t>(k)];
        float* c = s.cols[static_cast<std::size_t>(col)].data();
        const std::size_t n = s.slots();  // slack and garbage slots hold c = 0
        for (std::size_t q = 0; q < n; ++q) {
            if (c[q] == 0.0f) continue;
            if (g != 0.0) s.w[q] = static_cast<float>(std::clamp(s.w[q] + g * c[q], w_min, w_max));
            c[q] = flush_small(c[q] * decay_c);
        }
    }
    // Python: add `amount` to the phasic level at step `at` (>= now); applied by every thread's copy.
    bool reward(double amount, step_t at) override {
        auto it = std::upper_bound(rewards_.begin(), rewards_.end(), at,
                                   [](step_t v, const std::pair<step_t, double>& r) { return v < r.first; });
        // every copy has consumed only rewards of steps before now <= at, so the insertion point lies at or after
        // each copy's next unread reward: no copy's position moves
        const std::size_t pos = static_cast<std::size_t>(it - rewards_.begin());
        for (const auto& st : st_)
            if (st.next > pos) throw ArgumentError("reward: its step lies before rewards already applied");
        rewards_.insert(it, {at, amount});
        return true;
    }
    bool modulator_level(step_t t, double& level) const override {
        level = tonic.at(t) + (st_.empty() ? 0.0 : st_[0].phasic);
        return true;
    }
    Schedule tonic;

    void save(StateDict& d, const std::string& prefix, const Projection& p) const override {
        put(d, prefix + "c", p.column(col));
        const State& s0 = st_.at(0);
        put(d, prefix + "modulator", std::vector<double>{s0.phasic, s0.acc});
        std::vector<step_t> at;
        std::vector<double> amt;
        for (std::size_t q = s0.next; q < rewards_.size(); ++q) {
            at.push_back(rewards_[q].first);
            amt.push_back(rewards_[q].second);
        }
        put(d, prefix + "reward_steps", at);
        put(d, prefix + "reward_amounts", amt);
    }
    void load(const StateDict& d, const std::string& prefix, Projection& p) override {
        auto cv = take_n<float>(d, prefix + "c", p.size());
        require_finite(cv, prefix + "c");
        auto m = take_n<double>(d, prefix + "modulator", 2);
        require_finite(m, prefix + "modulator");
        auto at = take<step_t>(d, prefix + "reward_steps");
        auto amt = take_n<double>(d, prefix + "reward_amounts", at.size());
        require_range(at, prefix + "reward_steps", 0, std::numeric_limits<step_t>::max());
        for (std::size_t q = 1; q < at.size(); ++q) require(at[q - 1] <= at[q], prefix + "reward_steps", "steps must ascend");
        require_finite(amt, prefix + "reward_amounts");
        p.set_column(col, cv);
        rewards_.clear();
        for (std::size_t q = 0; q < at.size(); ++q) rewards_.emplace_back(at[q], amt[q]);
        for (auto& st : st_) st = State{m.at(0), m.at(1), 0};
    }
    // Drop rewards every copy has consumed (between runs).
    void after_run() override {
        std::size_t used = rewards_.size();
        for (const auto& st : st_) used = std::min(used, st.next);
        rewards_.erase(rewards_.begin(), rewards_.begin() + static_cast<std::ptrdiff_t>(used));
        for (auto& st : st_) st.next -= used;
    }

    double tau_pre, tau_post, a_pre, a_post, tau_c, tau_d, w_min, w_max, dt, gain;
    step_t interval;

private:
    static float flush_small(float x) { return std::fabs(x) < 1e-30f ? 0.0f : x; }
    struct alignas(64) State {
        double phasic = 0.0;
        double acc = 0.0;
        std::size_t next = 0;
    };
    SpikeTrace *xpre = nullptr, *xpost = nullptr;
    Population* mod = nullptr;
    int col = 0;
    double decay_d = 1.0;
    float decay_c = 1.0f;
    std::vector<State> st_;
    std::vector<std::pair<step_t, double>> rewards_;
};

}  // namespace pyneuro
