// Design notes: structural plasticity while a network runs. A structural rule belongs to a projection and acts
// every `interval` steps in a mutation phase between two steps (never during delivery): the engine stops its step
// loop at the boundary, calls plan() once (serial: global decisions such as pairing free synaptic elements), then
// apply() for every shard in parallel (thread k changes only shard k: the synapses into its own neurons), then
// merges what changed (delay list, version, compaction). A new synapse transmits spikes arriving from the next
// step; a removed one never again. Random decisions come from counter-based streams keyed by (projection, rule,
// neuron, epoch), so the structure is the same for every thread count.
// Several processes (MPI ranks): each rank holds the synapses into its block of post neurons and decides for them
// alone; every random decision is keyed by neuron, so it is the one a single process takes. What a rule needs of
// the whole network (presynaptic out-degrees, synaptic elements, the synapses of a presynaptic neuron) it gathers
// in plan() through ctx.comm, a collective call that every rank makes at the same point (the phase runs at the
// same steps on every rank; the gathered vectors are sized by the network, never by the rank count). The engine
// gathers every rank's events of a phase, so the structural log is the same, in the same order, on every rank.
#pragma once
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "../core/comm.hpp"
#include "../core/philox.hpp"
#include "../core/types.hpp"

namespace pyneuro {

class Projection;

// One structural event: created, pruned (by a rule), removed (by a lesion), neuron added; added and removed by the
// user between runs (logged by the Python layer; see pyneuro.structural.LOG_KINDS).
struct StructEvent {
    enum Kind : std::uint8_t { created = 0, pruned = 1, lesioned = 2, neuron_added = 3, added = 4, removed = 5 };
    step_t step;
    std::uint8_t kind;
    std::int32_t proj;
    index_t pre, post;
    float w;
};

struct StructCtx {
    step_t t;             // the mutation happens before step t
    std::uint64_t epoch;  // t / interval
    const Philox* rng;
    double dt;
    int rule_index;       // of the rule within its projection (keys its random streams)
    const Comm* comm = nullptr;  // the ranks the network is split over (null or one rank: a single process)
    bool distributed() const { return comm && comm->distributed(); }
};

class StructuralRule {
public:
    virtual ~StructuralRule() = default;
    virtual void attach(Projection&) {}
    // serial, before the shards: global decisions
    virtual void plan(Projection&, const StructCtx&) {}
    // thread k: changes on shard k; events appended to `log`
    virtual void apply(Projection&, int k, const StructCtx&, std::vector<StructEvent>& log) = 0;
    // Rules that only remove synapses act first in a phase, so a synapse created in a phase is never tested by a
    // pruning rule in that same phase, whatever order the rules were given in.
    virtual bool removes_only() const { return false; }
    virtual void save(StateDict&, const std::string&, const Projection&) const {}
    virtual void load(const StateDict&, const std::string&, Projection&) {}
    step_t interval = 1000;
};

// Room for one more event in a rule's log, made before the change it records, so that recording a change that was
// made cannot fail (the log stays complete when a phase is cut short by an exception).
inline void reserve_event(std::vector<StructEvent>& log) {
    if (log.size() == log.capacity()) log.reserve(std::max<std::size_t>(64, 2 * log.capacity()));
}

// A uniform number in [0, 1) for the key (projection/rule, neuron, epoch, sequence number): one Philox call, no state,
// so any thread computes the same number for the same synapse decision.
inline double keyed_uniform(const Philox& g, std::uint32_t object, std::uint32_t element, std::uint64_t epoch, std::uint32_t seq) {
    Philox::ctr_t c{(static_cast<std::uint32_t>(RngDomain::structural) << 24) ^ object, element, static_cast<std::uint32_t>(epoch),
                    seq ^ (static_cast<std::uint32_t>(epoch >> 32) << 24)};
    const auto r = g(c);
    const std::uint64_t x = (static_cast<std::uint64_t>(r[0]) << 32) | r[1];
    return static_cast<double>(x >> 11) * 0x1.0p-53;
}

// Poisson-distributed count with mean lam (lam small: inversion), from a stream; clamped to [0, 2^32 - 1] (the
// Python layer refuses means beyond that, so the clamp only guards the conversion).
inline std::uint32_t poisson_count(RngStream& s, double lam) {
    if (!(lam > 0.0)) return 0;
    if (lam > 30.0) {  // normal approximation for large means (rare here)
        const double x = std::round(lam + std::sqrt(lam) * s.normal());
        if (!(x > 0.0)) return 0u;
        return x >= 4294967295.0 ? 0xFFFFFFFFu : static_cast<std::uint32_t>(x);
    }
    const double L = std::exp(-lam);
    std::uint32_t k = 0;
    double p = s.uniform_open0();
    while (p > L) {
        ++k;
        p *= s.uniform_open0();
    }
    return k;
}

}  // namespace pyneuro
