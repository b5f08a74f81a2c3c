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
    // Checked at step `now`: samples at steps start + k every, ascending, before now; one value per index each.
    void load(const StateDict& d, const std::string& prefix, step_t now) {
        const step_t st = take_n<step_t>(d, prefix + "start", 1)[0];
        require(st >= 0 && st <= now, prefix + "start", "must lie in [0, " + std::to_string(now) + "]");
        auto s = take<step_t>(d, prefix + "steps");
        for (std::size_t q = 0; q < s.size(); ++q)
            require(s[q] >= st && s[q] < now && (s[q] - st) % every == 0 && (q == 0 || s[q - 1] < s[q]), prefix + "steps",
                    "sample steps must ascend from start in multiples of every, before now");
        auto v = take_n<float>(d, prefix + "values", s.size() * idx.size());
        steps = std::move(s);
        values = std::move(v);
        start = st;
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

}  // namespace pyneuro
