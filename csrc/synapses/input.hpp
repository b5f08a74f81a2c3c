// Design notes: an input is a source of synaptic arrivals that needs no presynaptic population (a Poisson
// background, ...). It belongs to one target population and receptor; the engine builds it by kind through the
// catalogue (catalogue.hpp) and reaches it through this interface only.
// - prepare(dt, lagged) runs between runs: lower the parameters for dt and resolve where arrivals go
//   (Population::delivery_target, so under the NEST time convention they are lagged like a projection's); it may
//   throw ArgumentError, before anything changes.
// - apply(R, t, rng) adds the arrivals (or, for a current input, the current) of step t to the neurons [R.begin, R.end) of one thread (phase 1 of the step,
//   after the projections' deliveries). It must depend on (seed, input, neuron, step) only: counter-based random
//   numbers, no state carried between steps, so results are identical for any thread count and after a checkpoint.
// Thread safety: apply() is called concurrently for disjoint ranges and writes only there.
#pragma once
#include <string>

#include "../core/partition.hpp"
#include "../core/philox.hpp"
#include "../core/types.hpp"
#include "../neurons/population.hpp"

namespace pyneuro {

class Input {
public:
    Input(int id, Population& target, Receptor r) : id_(id), target_(&target), receptor_(r) {}
    virtual ~Input() = default;
    Input(const Input&) = delete;
    Input& operator=(const Input&) = delete;

    int id() const { return id_; }
    Population& target() { return *target_; }
    Receptor receptor() const { return receptor_; }

    // New parameters (between runs; the Python layer validated them); prepare() lowers them.
    virtual void set(const ParamMap& p) = 0;
    virtual void prepare(double dt, bool lagged) = 0;
    virtual void apply(Range r, step_t t, const Philox& rng) const = 0;
    // Current inputs (current_input.hpp) add to the target's stimulus current I_stim instead of a receptor; the
    // engine resets I_stim to its set value before they apply, each step. current(i, t) is what one adds to neuron i
    // at step t (0 for the neurons it does not reach).
    virtual bool adds_current() const { return false; }
    virtual double current(index_t /*i*/, step_t /*t*/, const Philox& /*rng*/) const { return 0.0; }

protected:
    int id_;
    Population* target_;
    Receptor receptor_;
};

}  // namespace pyneuro
