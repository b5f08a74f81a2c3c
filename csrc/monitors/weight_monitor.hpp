// Design notes: samples a projection's weights (all synapses, or positions in the canonical order) every `every`
// steps, at the start of a step (after the previous step's post-spike updates, before this step's arrivals).
// Each thread copies the weights of its own shard; where each recorded synapse lives is re-derived whenever the
// projection's structure version changes.
#pragma once
#include <utility>
#include <vector>

#include "../core/types.hpp"

namespace pyneuro {

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
    // Checked at step `now` for a projection of n_syn synapses: samples as in StateMonitor, `width` columns (the
    // selection's size, or every synapse).
    void load(const StateDict& d, const std::string& prefix, std::size_t n_syn, step_t now) {
        const step_t st = take_n<step_t>(d, prefix + "start", 1)[0];
        require(st >= 0 && st <= now, prefix + "start", "must lie in [0, " + std::to_string(now) + "]");
        const std::uint64_t w = take_n<std::uint64_t>(d, prefix + "width", 1)[0];
        auto s = take<step_t>(d, prefix + "steps");
        for (std::size_t q = 0; q < s.size(); ++q)
            require(s[q] >= st && s[q] < now && (s[q] - st) % every == 0 && (q == 0 || s[q - 1] < s[q]), prefix + "steps",
                    "sample steps must ascend from start in multiples of every, before now");
        // before the first run nothing has set the width; after it, it is the number of recorded synapses
        const std::size_t want = sel.empty() ? n_syn : sel.size();
        require(w == want || (w == 0 && s.empty()), prefix + "width", "expected " + std::to_string(want) + ", got " + std::to_string(w));
        auto v = take_n<float>(d, prefix + "values", s.size() * static_cast<std::size_t>(w));
        steps = std::move(s);
        values = std::move(v);
        width = static_cast<std::size_t>(w);
        start = st;
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

}  // namespace pyneuro
