// Design notes: the plasticity framework. A projection carries a list of rules (composition, not inheritance);
// each rule is a small unit with three entry points, called by the projection's loops:
//   on_pre(pre, [b, e), t)   a presynaptic spike of `pre` arrives at synapses [b, e) of the shard at step t
//                            (after it has been transmitted with the weight it found);
//   on_post(post, [pb, pe), t) neuron `post` fired at step t; [pb, pe) is its slice of the post-major index;
//   periodic(t)              every `period` steps, between steps.
// Rules read traces that belong to populations (shared by rules with the same time constant) and may own
// per-synapse columns. Within a step, arrivals are processed before the step's postsynaptic spikes.
// Thread safety: on_pre/on_post touch only the given shard, which one thread owns.
#pragma once
#include <string>

#include "../core/types.hpp"

namespace pyneuro {

class Projection;
struct Shard;

class Rule {
public:
    virtual ~Rule() = default;
    virtual const char* name() const = 0;
    // Called once when the rule is added: ask the populations for traces, check parameters against the projection.
    virtual void attach(Projection& p) = 0;
    virtual void on_pre(Projection& p, Shard& s, index_t pre, std::uint64_t b, std::uint64_t e, step_t t) = 0;
    virtual void on_post(Projection& p, Shard& s, index_t post, std::uint64_t pb, std::uint64_t pe, step_t t) = 0;
    // Learning-rate factor (schedules set it between steps); 0 switches the rule off.
    double eta = 1.0;
};

}  // namespace pyneuro
