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
    bool ticks = false;   // tick() wanted every step
    bool uses_pre = true;  // on_pre does something (else the projection skips the call)
    bool uses_post = true;
    Schedule schedule;
    double eta(step_t t) const { return schedule.at(t); }
    // Schedule slots: 0 is the learning-rate factor; a rule may offer more (RewardSTDP: 1, the tonic modulator).
    virtual Schedule* schedule_slot(int slot) { return slot == 0 ? &schedule : nullptr; }
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
    Schedule schedule;
    double eta(step_t t) const { return schedule.at(t); }
    void set_schedule(int slot, std::vector<Schedule::Segment> seg, double rest) {
        if (slot != 0) throw ArgumentError("a neuron rule has only schedule slot 0, got " + std::to_string(slot));
        schedule.set(std::move(seg), rest);
    }
};

}  // namespace pyneuro
