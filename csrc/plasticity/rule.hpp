// Design notes: the plasticity framework. A projection carries a list of rules (composition, not inheritance);
// each rule is a small unit with these entry points, called by the projection's loops:
//   on_pre(pre, [b, e), t)   a presynaptic spike of `pre` arrives at synapses [b, e) of the shard at step t
//                            (after it has been transmitted with the weight it found);
//   on_post(post, [pb, pe), t) neuron `post` fired at step t; [pb, pe) is its slice of the post-major index;
//   tick(k, t)               every step, for rules that set `ticks`: thread k's shard, after the post half of
//                            step t (periodic sweeps: scaling, rate-based Hebbian, reward modulation).
// Rules read traces that belong to populations (shared by rules with the same time constant), may own
// per-synapse columns (Shard::cols, kept in step with the weights by the store) and per-thread copies of global
// state that every thread advances identically. Within a step, arrivals are processed before the step's
// postsynaptic spikes, and these before the ticks.
// Learning-rate schedules: every rule multiplies its changes by schedule.at(t) (1 by default; 0 = off).
// Thread safety: on_pre/on_post/tick touch only the given shard (and the rule's copy for thread k).
// A neuron rule (NeuronRule) belongs to a population and adjusts neuron state (intrinsic plasticity): before()
// runs on thread k's range before the neurons of step t are integrated, on_spikes() right after.
#pragma once
#include <string>
#include <vector>

#include "../core/partition.hpp"
#include "../core/types.hpp"
#include "schedule.hpp"

namespace pyneuro {

class Projection;
class Population;
struct Shard;

class Rule {
public:
    virtual ~Rule() = default;
    // Called once when the rule is added: ask the populations for traces, add columns, check parameters.
    virtual void attach(Projection& p) = 0;
    virtual void on_pre(Projection&, Shard&, index_t /*pre*/, std::uint64_t /*b*/, std::uint64_t /*e*/, step_t) {}
    virtual void on_post(Projection&, Shard&, index_t /*post*/, std::uint64_t /*pb*/, std::uint64_t /*pe*/, step_t) {}
    virtual void tick(Projection&, int /*k*/, step_t) {}
    // Rule state beyond traces and weights (columns, modulators), under `prefix`.
    virtual void save(StateDict&, const std::string& /*prefix*/, const Projection&) const {}
    virtual void load(const StateDict&, const std::string& /*prefix*/, Projection&) {}

    // Per-kind hooks (the engine calls them on every rule and names no concrete rule) ---------------------------
    // Schedule slot `slot` (0: the learning-rate factor; others rule-specific, e.g. a tonic modulator level), or
    // nullptr when the rule has no such slot.
    virtual Schedule* schedule_slot(int slot) { return slot == 0 ? &schedule : nullptr; }
    // A reward of `amount` given at step `at` (>= now); false when the rule takes no rewards.
    virtual bool reward(double /*amount*/, step_t /*at*/) { return false; }
    // The neuromodulator level at step t into `level`; false when the rule has none.
    virtual bool modulator_level(step_t /*t*/, double& /*level*/) const { return false; }
    // A population, other than the projection's ends, whose spikes of step t-1 the rule reads in the post phase of
    // step t (while a faster thread may be writing step t+1): the engine keeps three steps of its spike ring.
    virtual const Population* reads_spikes_of() const { return nullptr; }
    // After every run (between runs, single-threaded): drop consumed bookkeeping.
    virtual void after_run() {}
    // Per-neuron state of the rule on the postsynaptic side (rules that set `steps_neurons`): advanced by thread k
    // for its range r right after the post population's update of step t (and its spikes' traces).
    virtual void after_update(Projection&, int /*k*/, Range /*r*/, step_t /*t*/) {}
    // Neurogenesis: capacity for a postsynaptic population of n_post neurons (may throw std::bad_alloc; nothing has
    // changed yet), then on_grow once the pre or post population grew (per-neuron rule state follows; must not
    // allocate beyond what was reserved).
    virtual void reserve_growth(Projection&, index_t /*n_post*/) {}
    virtual void on_grow(Projection&) {}
    // Before every run (between runs, single-threaded): re-read what may have moved (state arrays).
    virtual void before_run(Projection&) {}
    // Why the rule cannot be attached to the projection ("" when it can); checked before attach().
    virtual std::string attach_problem(Projection&) const { return ""; }
    // Divergence check: true when thread k's part of the rule's state (weights it writes, its columns, its neuron
    // state) holds a NaN. Called at the end of every check window.
    virtual bool has_nan(Projection&, int /*k*/) const { return false; }

    bool ticks = false;   // tick() wanted every step
    bool uses_pre = true;  // on_pre does something (else the projection skips the call)
    bool uses_post = true;
    bool steps_neurons = false;  // after_update() wanted every step
    Schedule schedule;
    double eta(step_t t) const { return schedule.at(t); }
    // The schedule slot `slot` set from lowered segments (throws for a slot the rule lacks).
    void set_schedule(int slot, std::vector<Schedule::Segment> seg, double rest) {
        Schedule* s = schedule_slot(slot);
        if (!s) throw ArgumentError("this rule has no schedule slot " + std::to_string(slot));
        s->set(std::move(seg), rest);
    }
};

class NeuronRule {
public:
    virtual ~NeuronRule() = default;
    virtual void attach(Population& p, double dt) = 0;
    virtual void before(Range r, step_t t) = 0;
    virtual void on_spikes(const std::vector<index_t>& ids, step_t t) = 0;
    virtual void on_grow(index_t /*new_n*/) {}  // neurogenesis: per-neuron rule state for new_n neurons
    virtual void save(StateDict&, const std::string&) const {}
    virtual void load(const StateDict&, const std::string&) {}
    // Schedule slot `slot` (0: the learning-rate factor), or nullptr.
    virtual Schedule* schedule_slot(int slot) { return slot == 0 ? &schedule : nullptr; }
    Schedule schedule;
    double eta(step_t t) const { return schedule.at(t); }
    void set_schedule(int slot, std::vector<Schedule::Segment> seg, double rest) {
        Schedule* s = schedule_slot(slot);
        if (!s) throw ArgumentError("this neuron rule has no schedule slot " + std::to_string(slot));
        s->set(std::move(seg), rest);
    }
};

}  // namespace pyneuro
