// Design notes: counts a population's spikes per bin of `bin` steps; each thread counts its own neurons' spikes
// in its own array, summed after the run (the rate is count / (n * bin * dt)).
#pragma once
#include <limits>
#include <vector>

#include "../core/types.hpp"

namespace pyneuro {

class RateMonitor {
public:
    RateMonitor(int pop, step_t bin, step_t start, int threads) : pop(pop), bin(bin), start(start) {
        per_thread.resize(static_cast<std::size_t>(threads));
    }
    void reserve_run(step_t t1) {
        const std::size_t nb = t1 <= start ? 0 : static_cast<std::size_t>((t1 - start + bin - 1) / bin);
        if (counts.size() < nb) counts.resize(nb, 0);
        for (auto& c : per_thread) c.assign(counts.size(), 0);
    }
    void add(int k, step_t t, std::size_t n) {
        if (t < start || n == 0) return;
        per_thread[static_cast<std::size_t>(k)][static_cast<std::size_t>((t - start) / bin)] += static_cast<std::int64_t>(n);
    }
    void merge(step_t t_end) {
        for (auto& c : per_thread)
            for (std::size_t b = 0; b < c.size(); ++b) counts[b] += c[b];
        // keep only bins that have begun
        const std::size_t nb = t_end <= start ? 0 : static_cast<std::size_t>((t_end - start + bin - 1) / bin);
        counts.resize(nb);
        filled_to = t_end;
    }
    void save(StateDict& d, const std::string& prefix) const {
        put(d, prefix + "counts", counts);
        put(d, prefix + "filled_to", std::vector<step_t>{filled_to});
        put(d, prefix + "start", std::vector<step_t>{start});
    }
    // Checked at step `now`: bins from start (<= now) up to now, counts >= 0.
    void load(const StateDict& d, const std::string& prefix, step_t now) {
        const step_t st = take_n<step_t>(d, prefix + "start", 1)[0];
        require(st >= 0 && st <= now, prefix + "start", "must lie in [0, " + std::to_string(now) + "]");
        const step_t filled = take_n<step_t>(d, prefix + "filled_to", 1)[0];
        require(filled >= 0 && filled <= now, prefix + "filled_to", "must lie in [0, " + std::to_string(now) + "]");
        const auto nb = static_cast<std::size_t>((now - st + bin - 1) / bin);
        auto c = take<std::int64_t>(d, prefix + "counts");
        require(c.size() <= nb, prefix + "counts", "more bins than " + std::to_string(nb) + " begun by now");
        require_range(c, prefix + "counts", 0, std::numeric_limits<std::int64_t>::max());
        counts = std::move(c);
        filled_to = filled;
        start = st;
    }

    int pop;
    step_t bin, start;
    step_t filled_to = 0;
    std::vector<std::int64_t> counts;
    std::vector<std::vector<std::int64_t>> per_thread;
};

}  // namespace pyneuro
