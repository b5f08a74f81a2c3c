// Design notes: presynaptic/postsynaptic spike traces, owned by a population and shared by every rule that asks
// for the same (time constant, interaction). A trace is event-driven: it is stored only at spikes, as a short
// history per neuron of (spike step, value just after the spike), and read lazily as value * exp(-(t - step) dt / tau),
// so silent neurons and synapses cost nothing.
//   all_to_all: x jumps by 1 at each spike;  nearest: x is reset to 1 at each spike.
// Why a history and not one value: delays are axonal, so a synapse with delay d sees its presynaptic neuron's
// trace at t - d, which may lie before the neuron's latest spikes. The history holds every spike of the last
// window (longest delay + 1 steps) plus the newest older one, so value_at(i, t - d) is exact.
// Thread safety: neuron i's history is appended by its owning thread during integration of step t, while other
// threads may read it at times <= t - 1 (the loop defers post-spike updates by one step). Capacity
// K = ceil((window + 1) / min_isi) + 2 guarantees a reader never needs the slot being overwritten; the per-neuron
// head/count word is published with release/acquire ordering so a reader sees a complete entry.
#pragma once
#include <atomic>
#include <cmath>
#include <vector>

#include "../core/types.hpp"

namespace pyneuro {

enum class TraceMode : int { all_to_all = 0, nearest = 1 };

class SpikeTrace {
public:
    SpikeTrace(double tau_ms, TraceMode mode) : tau_(tau_ms), mode_(mode) {}
    double tau() const { return tau_; }
    TraceMode mode() const { return mode_; }
    int capacity() const { return cap_; }

    // (Re)size for n neurons with capacity cap, keeping the newest entries.
    void configure(index_t n, int cap, double dt) {
        if (cap < 2) cap = 2;
        if (dt != dt_) {
            dt_ = dt;
            const std::size_t len = static_cast<std::size_t>(std::ceil(30.0 * tau_ / dt)) + 1;
            decay_.resize(len);
            for (std::size_t k = 0; k < len; ++k) decay_[k] = std::exp(-static_cast<double>(k) * dt / tau_);
        }
        if (n == n_ && cap == cap_) return;
        std::vector<step_t> steps(static_cast<std::size_t>(n) * cap, 0);
        std::vector<double> vals(static_cast<std::size_t>(n) * cap, 0.0);
        std::vector<std::uint32_t> meta(n, 0);
        for (index_t i = 0; i < std::min(n, n_); ++i) {
            const int cnt = std::min(count(i), cap);
            for (int e = 0; e < cnt; ++e) {  // e = 0 newest
                const std::size_t src = slot_of(i, e);
                const std::size_t dst = static_cast<std::size_t>(i) * cap + static_cast<std::size_t>(cnt - 1 - e);
                steps[dst] = steps_[src];
                vals[dst] = vals_[src];
            }
            meta[i] = cnt == 0 ? 0u : (static_cast<std::uint32_t>(cnt - 1) | (static_cast<std::uint32_t>(cnt) << 16));
        }
        n_ = n;
        cap_ = cap;
        steps_.swap(steps);
        vals_.swap(vals);
        meta_.swap(meta);
    }

    double decay(step_t dsteps) const {
        return static_cast<std::size_t>(dsteps) < decay_.size() ? decay_[static_cast<std::size_t>(dsteps)]
                                                               : std::exp(-static_cast<double>(dsteps) * dt_ / tau_);
    }

    // Trace of neuron i at step t, counting spikes at steps <= t (strict=false) or < t (strict=true).
    double value_at(index_t i, step_t t, bool strict = false) const {
        const std::uint32_t m = std::atomic_ref<const std::uint32_t>(meta_[i]).load(std::memory_order_acquire);
        const int cnt = static_cast<int>(m >> 16);
        int head = static_cast<int>(m & 0xFFFFu);
        const std::size_t base = static_cast<std::size_t>(i) * static_cast<std::size_t>(cap_);
        for (int e = 0; e < cnt; ++e) {
            const std::size_t s = base + static_cast<std::size_t>(head);
            const step_t ts = steps_[s];
            if (strict ? ts < t : ts <= t) return vals_[s] * decay(t - ts);
            head = head == 0 ? cap_ - 1 : head - 1;
        }
        return 0.0;
    }

    // Record a spike of neuron i at step t (owner thread only; t is newer than every held entry).
    void on_spike(index_t i, step_t t) {
        const std::uint32_t m = meta_[i];
        const int cnt = static_cast<int>(m >> 16);
        const int head = static_cast<int>(m & 0xFFFFu);
        double v = 1.0;
        if (mode_ == TraceMode::all_to_all && cnt > 0) {
            const std::size_t s = static_cast<std::size_t>(i) * cap_ + static_cast<std::size_t>(head);
            v = vals_[s] * decay(t - steps_[s]) + 1.0;
        }
        const int nh = cnt == 0 ? 0 : (head + 1) % cap_;
        const std::size_t s = static_cast<std::size_t>(i) * cap_ + static_cast<std::size_t>(nh);
        steps_[s] = t;
        vals_[s] = v;
        const int nc = cnt < cap_ ? cnt + 1 : cap_;
        std::atomic_ref<std::uint32_t>(meta_[i]).store(static_cast<std::uint32_t>(nh) | (static_cast<std::uint32_t>(nc) << 16),
                                                       std::memory_order_release);
    }

    void save(StateDict& d, const std::string& prefix) const {
        put(d, prefix + "steps", steps_);
        put(d, prefix + "vals", vals_);
        put(d, prefix + "meta", meta_);
        put(d, prefix + "cap", std::vector<std::int64_t>{cap_});
    }
    void load(const StateDict& d, const std::string& prefix) {
        const int cap = static_cast<int>(take<std::int64_t>(d, prefix + "cap").at(0));
        auto steps = take<step_t>(d, prefix + "steps");
        auto vals = take<double>(d, prefix + "vals");
        auto meta = take<std::uint32_t>(d, prefix + "meta");
        const index_t n = static_cast<index_t>(meta.size());
        const int keep = cap_;
        n_ = n;
        cap_ = cap;
        steps_ = std::move(steps);
        vals_ = std::move(vals);
        meta_ = std::move(meta);
        if (keep > 0 && keep != cap) configure(n, keep, dt_);
    }

private:
    int count(index_t i) const { return static_cast<int>(meta_[i] >> 16); }
    // slot of the e-th newest entry of neuron i
    std::size_t slot_of(index_t i, int e) const {
        const int head = static_cast<int>(meta_[i] & 0xFFFFu);
        return static_cast<std::size_t>(i) * cap_ + static_cast<std::size_t>((head - e + cap_ * 4) % cap_);
    }

    double tau_;
    TraceMode mode_;
    double dt_ = -1.0;
    index_t n_ = 0;
    int cap_ = 0;
    std::vector<step_t> steps_;
    std::vector<double> vals_;
    std::vector<std::uint32_t> meta_;
    std::vector<double> decay_;
};

}  // namespace pyneuro
