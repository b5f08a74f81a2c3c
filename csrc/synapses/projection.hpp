// Design notes: a projection is the synapses from one population to another, split into one shard per thread
// (see shard.hpp), the receptor its spikes feed, and its list of plasticity rules.
// Delivery (phase 1 of a step, by every thread on its own shard): for each delay d of the projection and each
// spike the presynaptic population emitted at t - d (in ascending id order), the row segment with delay d is
// transmitted (target[post] += sign * w) and then handed to each rule's on_pre. Every input of a neuron is
// therefore summed in a fixed order (projection, delay, spike id, synapse), whatever the thread count.
// With several delays, a static projection (no rules) delivers at emission time instead, through the arrival ring
// of its target (arrival_ring.hpp, driven by the engine; deliver() then does nothing); a plastic one keeps a
// cursor per spike in flight to its next segment (cursors.hpp): an arrival costs O(1) plus its synapses, whatever
// the number of distinct delays, and the store gains no per-synapse index.
// Canonical order: synapse arrays returned to Python are sorted by (pre, delay, post), ties in creation order;
// gather() produces it by merging the shards' rows, and the store can be rebuilt from it exactly.
#pragma once
#include <algorithm>
#include <bit>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "../core/philox.hpp"
#include "../neurons/population.hpp"
#include "../plasticity/rule.hpp"
#include "../structural/structural_rule.hpp"
#include "cursors.hpp"
#include "shard.hpp"
#include "values.hpp"

namespace pyneuro {

struct ConnSpec {
    enum class Kind { all_to_all, one_to_one, fixed_probability, fixed_indegree, fixed_outdegree, fixed_total_number, from_arrays } kind;
    double p = 0.0;            // fixed_probability
    std::uint64_t n = 0;       // fixed_indegree / fixed_outdegree / fixed_total_number (the total)
    bool allow_self = true;    // only matters when pre and post are the same population
    bool allow_multapses = true;
    std::vector<index_t> pre, post;  // from_arrays
};

struct Gathered {
    std::vector<index_t> pre, post;
    std::vector<std::uint32_t> delay;  // steps
    std::vector<float> w;
    std::vector<std::uint32_t> shard;  // where each synapse lives (for monitors)
    std::vector<std::uint64_t> offset;
};

// Sorts each row of a freshly filled compact shard by pd (delay, then target), stably: multapses keep their
// creation order.
void sort_rows(Shard& sh, index_t n_pre);

class Projection {
public:
    Projection(int id, Population& pre, Population& post, Receptor r, int threads, const std::vector<Range>& parts);
    Projection(const Projection&) = delete;
    Projection& operator=(const Projection&) = delete;

    int id() const { return id_; }
    Population& pre() { return *pre_; }
    Population& post() { return *post_; }
    Receptor receptor() const { return receptor_; }
    int post_bits() const { return post_bits_; }
    std::uint32_t post_mask() const { return mask_; }
    std::uint32_t max_delay_steps() const { return (delays_.empty() ? 0u : static_cast<std::uint32_t>(delays_.back())); }
    // Longest delay the spike rings and trace histories must serve: the largest present, or the reserve (the
    // largest ever present in a dynamic projection, or declared with set_max_delay), whichever is larger.
    std::uint32_t ring_delay() const { return std::max(max_delay_steps(), reserve_); }
    void set_max_delay(std::uint32_t steps) {
        if (steps > delay_limit())
            throw ArgumentError("max_delay_steps = " + std::to_string(steps) + " is outside [0, " + std::to_string(delay_limit()) +
                                "] steps (the longest delay this projection can store)");
        reserve_ = std::max(reserve_, steps);
    }
    std::uint32_t delay_limit() const { return delay_limit_for_bits(post_bits_); }
    // The store packs (delay, local target) into 32 bits: max(16, bit width of the target count) target bits, the
    // rest for the delay in steps. These give the split for a target population of n neurons.
    static int post_bits_for(index_t n) { return std::max<int>(16, static_cast<int>(std::bit_width(static_cast<std::uint32_t>(n)))); }
    static std::uint32_t delay_limit_for_bits(int bits) { return bits >= 32 ? 0u : (1u << (32 - bits)) - 1u; }
    static std::uint32_t delay_limit_for(index_t n_post) { return delay_limit_for_bits(post_bits_for(n_post)); }
    const std::vector<int>& delays() const { return delays_; }
    std::vector<Shard>& shards() { return shards_; }
    std::vector<std::unique_ptr<Rule>>& rules() { return rules_; }
    // State of rule k beyond traces and weights (columns in canonical order, modulators); load checks it.
    StateDict rule_state(std::size_t k) const {
        StateDict d;
        rules_.at(k)->save(d, "", *this);
        return d;
    }
    void load_rule_state(std::size_t k, const StateDict& d) { rules_.at(k)->load(d, "", *this); }
    bool plastic() const { return !rules_.empty(); }
    std::uint64_t version() const { return version_; }
    std::size_t size() const;
    std::size_t bytes() const;

    // Building ------------------------------------------------------------------------------------------------
    // Draws the synapses of every shard (in parallel); delays in steps (already validated >= 1).
    void build(const ConnSpec& c, const ValueSpec& w, const ValueSpec& d_steps, const Philox& rng);
    // Rebuilds from canonical arrays (checkpoints): delays in steps. Checks the arrays (lengths, index ranges, delays,
    // the shard limit) and builds into fresh storage, so a failure (ArgumentError, std::bad_alloc) changes nothing.
    void build_from(const std::vector<index_t>& pre, const std::vector<index_t>& post,
                    const std::vector<std::uint32_t>& delay, const std::vector<float>& w);
    void add_rule(std::unique_ptr<Rule> r);
    // A per-synapse float column for a rule (every shard, current size, filled with `init`); returns its index.
    int add_column(float init);
    std::vector<float> column(int c) const;                    // canonical order
    void set_column(int c, const std::vector<float>& v);       // canonical order

    // Arrival copies of presynaptic traces. A rule whose postsynaptic half reads a presynaptic trace at the arrival
    // time (for_each_post_synapse) registers it in attach(); while the projection has a single delay, every shard
    // keeps, per presynaptic neuron, the newest history entry that has arrived (copied at the arrival), so the
    // post-spike loop reads one 16-byte entry per synapse instead of searching a history. The values are those of
    // the history (same entry, same arithmetic). Not used for traces with an initial value (their first entry never
    // arrives through the spike ring).
    void mirror_pre_trace(const SpikeTrace& tr);
    // Index of tr's arrival copy in Shard::arr, or -1 when the loop must read the history.
    int mirror_index(const SpikeTrace& tr) const {
        if (!mirrors_on_) return -1;
        for (std::size_t m = 0; m < mirrors_.size(); ++m)
            if (mirrors_[m] == &tr) return static_cast<int>(m);
        return -1;
    }
    // Before a run (after the traces are configured): switch the copies on or off and fill them from the histories
    // (unless nothing changed since the last run). invalidate_mirrors: the traces or the clock were replaced.
    void sync_mirrors(step_t now);
    void invalidate_mirrors() { mirrors_dirty_ = true; }

    // Running -------------------------------------------------------------------------------------------------
    // re-read where deliveries go (between runs): the post population's input array, or its lagged buffer (NEST time)
    void resolve_target(bool lagged);
    void deliver(int k, step_t t);
    // Emission-time delivery (arrival_ring.hpp), for static projections with several delays: the spikes of step s
    // in shard k add sign * w to slot_of[d][post - first post of shard k] for every synapse (delay d) whose arrival
    // s + d is at step `from` or later, in store order (slot_of[d]: the ring row of step s + d). While ahead() is
    // on, deliver() does nothing (the ring delivers).
    void deliver_ahead(int k, step_t s, step_t from, float* const* slot_of) const;
    void set_ahead(bool on) { ahead_ = on; }
    bool ahead() const { return ahead_; }
    float* target() const { return target_; }
    // Bumped by every change of weights from outside the rules (set_weights), so derived sums know to be redone.
    std::uint64_t values_version() const { return values_version_; }
    void post_spikes(int k, const std::vector<index_t>& ids, step_t t);
    void tick(int k, step_t t) {
        if (ticking_)
            for (auto& r : rules_)
                if (r->ticks) r->tick(*this, k, t);
    }
    int n_threads() const { return static_cast<int>(shards_.size()); }

    // Reading -------------------------------------------------------------------------------------------------
    Gathered gather(bool with_location) const;
    // Scatter weights given in canonical order.
    void set_weights(const std::vector<float>& w);

    // Structural change (between steps) ----------------------------------------------------------------------
    // Add synapses (delays in steps, >= 1); each lands in its target's shard, its row kept sorted, with fresh rule
    // columns (0). Remove synapses by canonical index. A change costs O(row length) amortised; compact() drops
    // slack and garbage. Every change bumps version().
    std::uint64_t add_synapses(const std::vector<index_t>& pre, const std::vector<index_t>& post,
                               const std::vector<std::uint32_t>& delay, const std::vector<float>& w);
    void remove_synapses(const std::vector<std::uint64_t>& canonical);
    void compact();
    bool dynamic() const { return dynamic_; }
    void make_dynamic();
    // Neurogenesis (csrc/structural/neurogenesis.cpp): the presynaptic population grew to n_new neurons (new empty
    // rows in every shard); the postsynaptic one grew and its last thread's range now ends at parts.back().end (the
    // last shard's post range and post index grow; a rebuild from canonical arrays when more post bits are needed).
    // Engine::add_neurons first calls widen_post_bits (the rebuild, all or nothing) and the reserve_* (capacity
    // only), so that grow_pre / grow_post then do not allocate.
    void grow_pre(index_t n_new);
    void grow_post(const std::vector<Range>& parts);
    void widen_post_bits(index_t n_new);
    void reserve_pre(index_t n_new);
    void reserve_post(index_t n_new);
    // Throws (changing nothing) if the post population cannot grow to n_new: the wider post index would leave too
    // few bits for the longest delay.
    void check_post_growth(index_t n_new) const;
    // Consistency of the store (rows sorted, post index and reverse index agree, counts); "" when consistent.
    std::string check() const;

    // Structural rules (csrc/structural/): a mutation phase is begin_structural(), shard-local insert_local /
    // erase_local by the thread that owns shard k, end_structural() (delay list, compaction, version).
    void add_structural(std::unique_ptr<StructuralRule> r, step_t now);
    std::vector<std::unique_ptr<StructuralRule>>& structural() { return structural_; }
    // State of structural rule k, with "next", the step before which it acts next (at or after now when loaded).
    StateDict structural_state(std::size_t k) const {
        StateDict d;
        structural_.at(k)->save(d, "", *this);
        put(d, "next", std::vector<step_t>{structural_next_.at(k)});
        return d;
    }
    void load_structural_state(std::size_t k, const StateDict& d, step_t now) {
        const step_t next = take_n<step_t>(d, "next", 1)[0];
        require(next >= now, "next", "the next epoch must not lie before now (" + std::to_string(now) + ")");
        structural_.at(k)->load(d, "", *this);
        structural_next_.at(k) = next;
    }
    std::vector<step_t>& structural_next() { return structural_next_; }
    void begin_structural();
    std::uint64_t insert_local(int k, index_t pre, index_t post, std::uint32_t delay, float w);
    void erase_local(int k, index_t pre, std::uint64_t offset);
    void end_structural();
    bool has_synapse(int k, index_t pre, index_t post) const;
    std::uint32_t count_synapses(int k, index_t pre, index_t post) const;  // pre -> post in shard k (multapses)
    int shard_of(index_t post) const;
    std::vector<std::uint32_t> in_degrees(int k) const;  // per local post of shard k
    std::vector<std::uint32_t> all_in_degrees() const;   // per post neuron
    std::vector<std::uint32_t> out_degrees() const;      // per pre neuron
    // synapses into post i / out of pre j as (shard, pre, offset), in canonical order
    std::vector<std::tuple<int, index_t, std::uint64_t>> incoming(index_t post) const;
    std::vector<std::tuple<int, index_t, std::uint64_t>> outgoing(index_t pre) const;

private:
    void build_total(const ConnSpec& c, const ValueSpec& w, const ValueSpec& d_steps, const Philox& rng);
    void finish_build();  // delay list, post index
    // build_from for the thread ranges `parts` and `bits` post bits, rule columns given in canonical order (empty:
    // none, or zeros for every column the shards hold); strong guarantee (nothing changes unless it all succeeded).
    void rebuild(const std::vector<index_t>& pre, const std::vector<index_t>& post, const std::vector<std::uint32_t>& delay,
                 const std::vector<float>& w, const std::vector<std::vector<float>>& cols, const std::vector<Range>& parts, int bits);
    void count_delay(std::uint32_t d, int delta);
    void update_delays();
    void after_change();
    void deliver_segments(int k, step_t t);

    int id_;
    Population* pre_;
    Population* post_;
    Receptor receptor_;
    int post_bits_;
    std::uint32_t mask_;
    std::vector<Shard> shards_;
    std::vector<DeliveryCursors> cursors_;  // per shard (projections with several delays)
    std::vector<int> delays_;  // distinct delays present, ascending
    std::vector<std::unique_ptr<Rule>> rules_;
    float* target_ = nullptr;
    float sign_ = 1.0f;
    std::uint64_t version_ = 0;
    std::uint64_t values_version_ = 0;
    bool ahead_ = false;
    bool ticking_ = false;
    bool dynamic_ = false;
    std::vector<std::unique_ptr<StructuralRule>> structural_;
    std::vector<step_t> structural_next_;                  // per structural rule: the step before which it acts next
    std::vector<std::vector<std::int64_t>> delay_delta_;  // per shard, during a mutation phase
    std::uint32_t reserve_ = 0;
    std::vector<std::uint64_t> delay_count_;  // synapses per delay (steps)
    std::vector<const SpikeTrace*> mirrors_;  // presynaptic traces with arrival copies
    bool mirrors_on_ = false;                 // the copies are valid for the current run
    bool mirrors_dirty_ = true;               // the store or the registered traces changed since the last fill
    step_t delivered_to_ = -1;                // deliveries up to this step (exclusive) are in the copies
    std::uint64_t mirrors_version_ = ~std::uint64_t{0};  // the store's version when they were filled
};

}  // namespace pyneuro
