// Design notes: the spikes a population emitted in its last `depth` steps, one list per (step slot, thread).
// Thread k appends only to its own list of the current slot, in ascending neuron order (it owns a contiguous
// range), so reading the lists of a slot in thread order yields ascending neuron ids: the fixed order in which
// spikes are delivered, whatever the thread count. The ring is what is "in flight": a spike emitted at step s
// with delay d is delivered at step s + d by reading slot s, so depth must exceed the longest outgoing delay.
// Thread safety: during step t, lists of slot t are written by their owners only; slots of earlier steps are
// read-only (their owners finished them before the step barrier).
// generation() changes whenever the ring's contents are replaced wholesale (configure, load), so that what others
// derive from a slot (delivery cursors, see synapses/cursors.hpp) can tell that it must be derived again.
// Several processes (core/comm.hpp): a rank owns a contiguous block of the population, so a slot holds lanes()
// = threads + 2 lists: the spikes of the lower ranks (lane 0, filled by the exchange after the step), the local
// threads' (lanes 1..threads), the higher ranks' (the last lane); reading the lanes in order still yields ascending
// ids. In one process lanes() == threads() and lane k is thread k's list. Readers of every spike of a slot walk
// lanes(); a thread's own list is own(t, k).
#pragma once
#include <algorithm>
#include <vector>

#include "../core/types.hpp"

namespace pyneuro {

class SpikeRing {
public:
    void configure(int depth, int threads, bool remote = false) {
        depth_ = depth < 1 ? 1 : depth;
        threads_ = threads;
        off_ = remote ? 1 : 0;
        lanes_ = threads + 2 * off_;
        lists_.assign(static_cast<std::size_t>(depth_ * lanes_), PaddedList{});
        tags_.assign(static_cast<std::size_t>(depth_), -1);
        ++generation_;
    }
    std::uint64_t generation() const { return generation_; }
    bool configured() const { return !tags_.empty(); }
    int depth() const { return depth_; }
    int threads() const { return threads_; }
    int lanes() const { return lanes_; }
    bool remote() const { return off_ != 0; }

    // Called by every thread k at the start of its integration of step t: claims slot t for writing.
    std::vector<index_t>& begin_step(step_t t, int k) {
        const int s = slot(t);
        auto& l = lists_[static_cast<std::size_t>(s * lanes_ + k + off_)].v;
        l.clear();
        if (k == 0) tags_[static_cast<std::size_t>(s)] = t;  // all threads claim the same slot in step t
        return l;
    }
    // Whether step t is held; then list(t, l) for lanes l < lanes() are its spikes.
    bool holds(step_t t) const { return t >= 0 && tags_[static_cast<std::size_t>(slot(t))] == t; }
    const std::vector<index_t>& list(step_t t, int l) const { return lists_[static_cast<std::size_t>(slot(t) * lanes_ + l)].v; }
    std::vector<index_t>& list(step_t t, int l) { return lists_[static_cast<std::size_t>(slot(t) * lanes_ + l)].v; }
    // Thread k's own list of step t.
    const std::vector<index_t>& own(step_t t, int k) const { return list(t, k + off_); }
    // The spikes of the lower (side 0) or higher (side 1) ranks at step t (only where remote()).
    std::vector<index_t>& remote_list(step_t t, int side) { return list(t, side == 0 ? 0 : lanes_ - 1); }
    // The same by slot (slot(t) = t mod depth), for readers that walk consecutive steps without a division each.
    int slot(step_t t) const { return static_cast<int>(t % depth_); }
    bool holds_at(int slot, step_t t) const { return t >= 0 && tags_[static_cast<std::size_t>(slot)] == t; }
    const std::vector<index_t>& list_at(int slot, int l) const { return lists_[static_cast<std::size_t>(slot * lanes_ + l)].v; }
    std::size_t count_at(int slot) const {
        std::size_t n = 0;
        for (int l = 0; l < lanes_; ++l) n += lists_[static_cast<std::size_t>(slot * lanes_ + l)].v.size();
        return n;
    }

    // Checkpoint: the steps held and their spikes (ascending ids per step). load() checks them against a population
    // of n neurons at step `now` (steps ascending in [0, now), ids ascending below n) before it changes anything.
    void save(StateDict& d, const std::string& prefix) const;
    void load(const StateDict& d, const std::string& prefix, index_t n, step_t now);

private:
    int depth_ = 1, threads_ = 1, lanes_ = 1, off_ = 0;
    // one cache line per list header, so threads appending to their own lists never share a line
    struct alignas(64) PaddedList {
        std::vector<index_t> v;
    };
    std::vector<PaddedList> lists_;
    std::vector<step_t> tags_;
    std::uint64_t generation_ = 0;
};

inline void SpikeRing::save(StateDict& d, const std::string& prefix) const {
    std::vector<step_t> steps;
    std::vector<std::int64_t> counts;
    std::vector<index_t> ids;
    for (int s = 0; s < static_cast<int>(tags_.size()); ++s) {  // an unconfigured ring holds nothing
        const step_t t = tags_[static_cast<std::size_t>(s)];
        if (t < 0) continue;
        std::int64_t c = 0;
        for (int k = 0; k < lanes_; ++k) {
            const auto& l = lists_[static_cast<std::size_t>(s * lanes_ + k)].v;
            ids.insert(ids.end(), l.begin(), l.end());
            c += static_cast<std::int64_t>(l.size());
        }
        steps.push_back(t);
        counts.push_back(c);
    }
    put(d, prefix + "ring_steps", steps);
    put(d, prefix + "ring_counts", counts);
    put(d, prefix + "ring_ids", ids);
}

inline void SpikeRing::load(const StateDict& d, const std::string& prefix, index_t n, step_t now) {
    auto steps = take<step_t>(d, prefix + "ring_steps");
    auto counts = take_n<std::int64_t>(d, prefix + "ring_counts", steps.size());
    auto ids = take<index_t>(d, prefix + "ring_ids");
    require_range(steps, prefix + "ring_steps", 0, now - 1);
    {
        auto sorted = steps;  // held in slot order: distinct, not necessarily ascending
        std::sort(sorted.begin(), sorted.end());
        require(std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end(), prefix + "ring_steps", "steps must be distinct");
    }
    require_range(counts, prefix + "ring_counts", 0, static_cast<std::int64_t>(n));
    std::size_t total = 0;
    for (auto c : counts) total += static_cast<std::size_t>(c);
    require(total == ids.size(), prefix + "ring_ids", "expected " + std::to_string(total) + " ids (the sum of ring_counts), got " +
                                                          std::to_string(ids.size()));
    require_range(ids, prefix + "ring_ids", 0, static_cast<std::int64_t>(n) - 1);
    for (std::size_t i = 0, pos = 0; i < counts.size(); pos += static_cast<std::size_t>(counts[i++]))
        for (std::size_t q = pos + 1; q < pos + static_cast<std::size_t>(counts[i]); ++q)
            require(ids[q - 1] < ids[q], prefix + "ring_ids", "ids must ascend within a step");
    for (auto& l : lists_) l.v.clear();
    std::fill(tags_.begin(), tags_.end(), -1);
    ++generation_;
    std::size_t pos = 0;
    for (std::size_t i = 0; i < steps.size(); ++i) {
        const step_t t = steps[i];
        const int s = slot(t);
        // keep the newest step per slot (a ring restored at a smaller depth holds only what it can deliver)
        if (tags_[static_cast<std::size_t>(s)] < t) {
            tags_[static_cast<std::size_t>(s)] = t;
            for (int k = 0; k < lanes_; ++k) lists_[static_cast<std::size_t>(s * lanes_ + k)].v.clear();
            auto& l = lists_[static_cast<std::size_t>(s * lanes_)].v;  // all in the first lane: order kept
            l.assign(ids.begin() + static_cast<std::ptrdiff_t>(pos),
                     ids.begin() + static_cast<std::ptrdiff_t>(pos + static_cast<std::size_t>(counts[i])));
        }
        pos += static_cast<std::size_t>(counts[i]);
    }
}

}  // namespace pyneuro
