// Design notes: samples one state variable of chosen neurons every `every` steps, at the start of a step after
// that step's arrivals were added (so a conductance jump at t shows at t). Each thread writes the columns of the
// neurons it owns into a row preallocated for the run.
#pragma once
#include <string>
#include <vector>

#include "../core/partition.hpp"
#include "../core/types.hpp"

namespace pyneuro {

class StateMonitor {
public:
    StateMonitor(int pop, std::string var, std::vector<index_t> idx, step_t every, step_t start)
        : pop(pop), var(std::move(var)), idx(std::move(idx)), every(every), start(start) {}

    bool due(step_t t) const { return t >= start && (t - start) % every == 0; }
    // Make room for the samples of steps [t0, t1).
    void reserve_run(step_t t0, step_t t1) {
        step_t n = 0;
        for (step_t t = first_due(t0); t < t1; t += every) ++n;
        run_row0 = steps.size();
        run_t0 = first_due(t0);
        for (step_t q = 0; q < n; ++q) steps.push_back(run_t0 + q * every);
        values.resize(steps.size() * idx.size());
    }
    // Drop rows reserved for steps that were not reached (a run that stopped early).
    void trim(step_t t_end) {
        while (!steps.empty() && steps.back() >= t_end) steps.pop_back();
        values.resize(steps.size() * idx.size());
    }
    void sample(int k, step_t t, const float* data, const std::vector<Range>& parts) {
        const std::size_t row = run_row0 + static_cast<std::size_t>((t - run_t0) / every);
        const Range R = parts[static_cast<std::size_t>(k)];
        float* out = values.data() + row * idx.size();
        for (std::size_t c = 0; c < idx.size(); ++c)
            if (R.contains(idx[c])) out[c] = data[idx[c]];
    }
    step_t first_due(step_t t0) const {
        if (t0 <= start) return start;
        const step_t r = (t0 - start) % every;
        return r == 0 ? t0 : t0 + (every - r);
    }
    void save(StateDict& d, const std::string& prefix) const {
        put(d, prefix + "steps", steps);
        put(d, prefix + "values", values);
        put(d, prefix + "start", std::vector<step_t>{start});
    }
    void load(const StateDict& d, const std::string& prefix) {
        steps = take<step_t>(d, prefix + "steps");
        values = take<float>(d, prefix + "values");
        start = take<step_t>(d, prefix + "start").at(0);
    }

    int pop;
    std::string var;
    std::vector<index_t> idx;
    step_t every, start;
    std::vector<step_t> steps;
    std::vector<float> values;
    std::size_t run_row0 = 0;
    step_t run_t0 = 0;
};

// Samples weights of a projection (all synapses, or positions in the canonical order) every `every` steps,
// at the start of a step (after the previous step's post-spike updates, before this step's arrivals).
class WeightMonitor {
public:
    WeightMonitor(int proj, std::vector<std::uint64_t> sel, step_t every, step_t start)
        : proj(proj), sel(std::move(sel)), every(every), start(start) {}
    bool due(step_t t) const { return t >= start && (t - start) % every == 0; }
    step_t first_due(step_t t0) const {
        if (t0 <= start) return start;
        const step_t r = (t0 - start) % every;
        return r == 0 ? t0 : t0 + (every - r);
    }
    void reserve_run(step_t t0, step_t t1, std::size_t width) {
        this->width = width;
        run_row0 = steps.size();
        run_t0 = first_due(t0);
        for (step_t t = run_t0; t < t1; t += every) steps.push_back(t);
        values.resize(steps.size() * width);
    }
    void trim(step_t t_end) {
        while (!steps.empty() && steps.back() >= t_end) steps.pop_back();
        values.resize(steps.size() * width);
    }
    void save(StateDict& d, const std::string& prefix) const {
        put(d, prefix + "steps", steps);
        put(d, prefix + "values", values);
        put(d, prefix + "width", std::vector<std::uint64_t>{width});
        put(d, prefix + "start", std::vector<step_t>{start});
    }
    void load(const StateDict& d, const std::string& prefix) {
        steps = take<step_t>(d, prefix + "steps");
        values = take<float>(d, prefix + "values");
        width = take<std::uint64_t>(d, prefix + "width").at(0);
        start = take<step_t>(d, prefix + "start").at(0);
        where.clear();  // re-derived from the projection at the next prepare
        version = 0;
    }

    int proj;
    std::vector<std::uint64_t> sel;  // empty: all synapses
    step_t every, start;
    std::size_t width = 0;
    std::vector<step_t> steps;
    std::vector<float> values;
    std::size_t run_row0 = 0;
    step_t run_t0 = 0;
    // where each recorded synapse lives, per shard: (column, offset); rebuilt when the structure changes
    std::vector<std::vector<std::pair<std::uint64_t, std::uint64_t>>> where;
    std::uint64_t version = 0;
};

// Counts a population's spikes per bin of `bin` steps (the population rate is count / (n * bin * dt)).
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
    void load(const StateDict& d, const std::string& prefix) {
        counts = take<std::int64_t>(d, prefix + "counts");
        filled_to = take<step_t>(d, prefix + "filled_to").at(0);
        start = take<step_t>(d, prefix + "start").at(0);
    }

    int pop;
    step_t bin, start;
    step_t filled_to = 0;
    std::vector<std::int64_t> counts;
    std::vector<std::vector<std::int64_t>> per_thread;
};

}  // namespace pyneuro
