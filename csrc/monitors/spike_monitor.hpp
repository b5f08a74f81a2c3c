// Design notes: records (step, neuron) of the spikes of a population, all neurons or a subset.
// During a run each thread appends its own neurons' spikes to its own buffer (no sharing); after the run the
// buffers are merged by step (ties in thread order = ascending id), so the record is identical for any thread
// count.
#pragma once
#include <algorithm>
#include <vector>

#include "../core/types.hpp"

namespace pyneuro {

class SpikeMonitor {
public:
    SpikeMonitor(int pop, index_t n, const std::vector<index_t>& subset, int threads) : pop(pop) {
        if (!subset.empty()) {
            mask.assign(n, 0);
            for (index_t i : subset) mask[i] = 1;
        }
        bufs.resize(static_cast<std::size_t>(threads));
    }
    void record(int k, step_t t, const std::vector<index_t>& ids) {
        auto& b = bufs[static_cast<std::size_t>(k)].v;
        for (index_t i : ids)
            if (mask.empty() || mask[i]) b.emplace_back(t, i);
    }
    // Everything that allocates comes first (capacity grows geometrically, so merging after every chunk of a long
    // run stays linear); if it fails the buffers are kept and the next merge takes them.
    void merge() {
        std::size_t total = steps.size();
        for (auto& b : bufs) total += b.v.size();
        if (steps.capacity() < total) steps.reserve(std::max(total, 2 * steps.capacity()));
        if (ids.capacity() < total) ids.reserve(std::max(total, 2 * ids.capacity()));
        std::vector<std::pair<step_t, index_t>> all;
        all.reserve(total - steps.size());
        for (auto& b : bufs) {
            all.insert(all.end(), b.v.begin(), b.v.end());
            b.v.clear();
        }
        // stable_sort falls back to an in-place merge when it cannot get a buffer
        std::stable_sort(all.begin(), all.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
        for (const auto& x : all) {
            steps.push_back(x.first);
            ids.push_back(x.second);
        }
    }
    void save(StateDict& d, const std::string& prefix) const {
        put(d, prefix + "steps", steps);
        put(d, prefix + "ids", ids);
    }
    // Checked against a population of n neurons at step `now`: steps ascending in [0, now), ids below n.
    void load(const StateDict& d, const std::string& prefix, index_t n, step_t now) {
        auto s = take<step_t>(d, prefix + "steps");
        auto i = take_n<index_t>(d, prefix + "ids", s.size());
        require_range(s, prefix + "steps", 0, now - 1);
        for (std::size_t q = 1; q < s.size(); ++q) require(s[q - 1] <= s[q], prefix + "steps", "steps must ascend");
        require_range(i, prefix + "ids", 0, static_cast<std::int64_t>(n) - 1);
        steps = std::move(s);
        ids = std::move(i);
    }

    int pop;
    std::vector<std::uint8_t> mask;
    struct alignas(64) Buffer {  // one cache line per header: no false sharing between threads
        std::vector<std::pair<step_t, index_t>> v;
    };
    std::vector<Buffer> bufs;
    std::vector<step_t> steps;
    std::vector<index_t> ids;
};

}  // namespace pyneuro
