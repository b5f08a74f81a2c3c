// Design notes: the Engine owns populations, projections and monitors, and runs the step loop.
// Ownership: the Engine owns everything through unique_ptr; objects refer to each other by integer id.
// Threads: `threads` is fixed at construction; every population is split into that many contiguous ranges
// and every projection into that many shards (thread k owns range k and shard k everywhere).
// Structure may change only between calls to run() (the mutation phase between epochs).
// Several processes (set_comm, core/comm.hpp): rank r of R owns block r of every population (split_range(n, R),
// boundaries multiples of 16), its threads split that block as above, and every projection holds only the synapses
// into the rank's neurons. Neuron state arrays keep the whole population on every rank, but a rank integrates only
// its block. Once per shortest delay of the network (and at the end of every check window and run) the ranks
// exchange the spikes of the steps since the last exchange (exchange(): one MPI_Allgather of the counts, one
// MPI_Allgatherv of the ids); the remote spikes join the spike rings (ring order kept: rank order is neuron order),
// the traces' histories (presynaptic traces of remote neurons), the spike and rate recorders and the divergence
// counts. A spike of step s is read first at step s + shortest delay (delivery, and presynaptic traces read at
// t - delay), by which time it has been exchanged; so every rank sees the global spike list before any reader needs
// it and takes the same stop decision.
#pragma once
#include <atomic>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "../monitors/spike_monitor.hpp"
#include "../monitors/rate_monitor.hpp"
#include "../monitors/state_monitor.hpp"
#include "../monitors/weight_monitor.hpp"
#include "../neurons/population.hpp"
#include "../synapses/input.hpp"
#include "../synapses/arrival_ring.hpp"
#include "../synapses/projection.hpp"
#include "barrier.hpp"
#include "comm.hpp"
#include "partition.hpp"
#include "philox.hpp"
#include "types.hpp"

namespace pyneuro {

struct RunStatus {
    bool stopped = false;  // stopped early by a divergence check
    std::string reason;    // "nan" or "rate"
    int population = -1;
    int projection = -1;   // a NaN in a plasticity rule's state: its projection (population: the target)
    step_t step = 0;       // the last completed step
    double value = 0.0;    // the offending rate (Hz)
};

class Engine {
public:
    Engine(double dt, std::uint64_t seed, int threads);
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    double dt() const { return dt_; }
    std::uint64_t seed() const { return seed_; }
    int threads() const { return threads_; }
    step_t now() const { return now_; }
    // One network over several processes: before anything is added (throws otherwise).
    void set_comm(const Comm& c);
    const Comm& comm() const { return comm_; }
    // The block of n neurons this rank owns (all of them in one process).
    Range owned(index_t n) const;
    // The neurons of population `pop` this rank integrates (its block, grown by neurogenesis on the last rank).
    Range owned_of(int pop) const;
    // Bytes of spike data gathered by the exchange (every rank's header and ids, i.e. what each rank receives) and
    // the number of exchanges, since construction.
    std::uint64_t exchanged_bytes() const { return exchanged_bytes_; }
    std::uint64_t exchanges() const { return exchanges_; }

    // Building
    int add_population(const std::string& kind, index_t n, const ParamMap& p);
    Population& population(int id) { return *pops_.at(static_cast<std::size_t>(id)); }
    // The id of a population or projection of this engine (throws for one of another engine).
    int id_of(const Population& p) const;
    int id_of(const Projection& p) const;
    int id_of(const Input& in) const;
    // Undo the add_population that made the last population, `id`, when what follows it (its initial state, a
    // generator's events) failed; refused once anything refers to it.
    void pop_population(int id);
    // Neurogenesis (csrc/structural/neurogenesis.cpp): grow population `pop` by n neurons, between runs.
    void add_neurons(int pop, index_t n, const std::vector<float>& positions);
    void set_var_slice(int pop, const std::string& var, index_t begin, const std::vector<float>& values);
    void set_maturation(int pop, index_t begin, index_t end, double boost, double tau_ms);
    int n_populations() const { return static_cast<int>(pops_.size()); }
    int connect(int pre, int post, Receptor r, const ConnSpec& c, const ValueSpec& w, const ValueSpec& d_steps);
    int connect_arrays(int pre, int post, Receptor r, const std::vector<index_t>& pre_idx, const std::vector<index_t>& post_idx,
                       const std::vector<std::uint32_t>& delay_steps, const std::vector<float>& w);
    // Undo the connect that made the last projection, `id`, when what follows it (its rules) failed: the projection
    // and the traces its rules added to the two populations go.
    void pop_projection(int id);
    Projection& projection(int id) { return *projs_.at(static_cast<std::size_t>(id)); }
    int n_projections() const { return static_cast<int>(projs_.size()); }
    void add_rule(int proj, const std::string& kind, const ParamMap& p);
    void add_neuron_rule(int pop, const std::string& kind, const ParamMap& p);
    void add_structural(int proj, const std::string& kind, const ParamMap& p);
    // An input of kind `kind` (catalogue.hpp, e.g. "PoissonInput") into population `pop`; returns its id.
    int add_input(const std::string& kind, int pop, Receptor r, const ParamMap& p);
    Input& input(int id) { return *inputs_.at(static_cast<std::size_t>(id)); }
    // New parameters for input `id`, checked by lowering them (on a trial copy) before anything changes; the input
    // stays the same object (handles to it remain valid).
    void set_input(int id, const ParamMap& p);
    int n_inputs() const { return static_cast<int>(inputs_.size()); }
    // What current input `id` injects into neuron i of its target at steps [t0, t1) (0 for other inputs).
    std::vector<double> input_current(int id, index_t i, step_t t0, step_t t1) const;
    // Time convention: false (default) = a spike of step s is stamped s dt and a delay of d steps makes it act on
    // its target's integration of step s + d; true = NEST's: the spike is stamped (s + 1) dt, the delay counts from
    // the stamp, so it acts one step later (arrivals are added after the target's update of step s + d). Only
    // before the first step.
    void set_nest_time(bool on);
    bool nest_time() const { return nest_time_; }
    // The structural event log (creations, prunings, lesions, neurons added, synapses added and removed between
    // runs), in canonical order per phase. A mutation phase's events are recorded by the threads that made the
    // changes (room reserved before each change) and moved into the log without allocating; if joining them to the
    // main log cannot be allocated they wait as pending chunks, which log_columns() includes, so that no change is
    // ever missing from the log.
    // The log as columns (step, kind, projection, pre, post, weight): checkpoints and Python read it so.
    struct LogColumns {
        std::vector<step_t> step;
        std::vector<std::uint8_t> kind;
        std::vector<std::int32_t> proj;
        std::vector<index_t> pre, post;
        std::vector<float> w;
    };
    LogColumns log_columns() const;
    void log_events(std::vector<StructEvent> ev);
    void log_events(std::vector<std::vector<StructEvent>>& per_thread);
    const std::vector<Range>& parts(int pop) const { return parts_.at(static_cast<std::size_t>(pop)); }

    // Monitors
    int add_spike_monitor(int pop, const std::vector<index_t>& subset);
    int add_state_monitor(int pop, const std::string& var, const std::vector<index_t>& idx, step_t every);
    int add_weight_monitor(int proj, const std::vector<std::uint64_t>& sel, step_t every);
    int add_rate_monitor(int pop, step_t bin);
    SpikeMonitor& spike_monitor(int id) { return *spike_mons_.at(static_cast<std::size_t>(id)); }
    StateMonitor& state_monitor(int id) { return *state_mons_.at(static_cast<std::size_t>(id)); }
    WeightMonitor& weight_monitor(int id) { return *weight_mons_.at(static_cast<std::size_t>(id)); }
    RateMonitor& rate_monitor(int id) { return *rate_mons_.at(static_cast<std::size_t>(id)); }

    // Running
    RunStatus run(step_t n_steps);
    // Phase timers (wall seconds summed over the runs while on, per thread): deliver (phase 1, arrivals and the
    // rules' presynaptic half), integrate (neurons, recorders), post (the rules' postsynaptic half and ticks) and
    // wait (barriers). Off by default: then the loop reads no clock.
    static constexpr int kPhases = 4;
    void set_timing(bool on);
    bool timing() const { return timing_; }
    std::vector<std::vector<double>> phase_times() const;
    double max_rate = 1000.0;       // Hz; a non-source population above it over a check window stops the run
    step_t check_every = 1000;      // steps per divergence-check window (>= 1; set it through set_check_every)
    void set_check_every(step_t steps) {
        if (steps < 1)
            throw ArgumentError("check_every = " + std::to_string(steps) + " steps is outside [1, 2^63 - 1] (steps per divergence-check window)");
        check_every = steps;
    }

    // Checkpoints. The engine keeps its own state (clock, divergence-check counters, structural log); every
    // population, projection, rule and recorder saves and loads its own, checked against the network at now().
    // Loading is load_state() (sets the clock, sizes spike rings and traces), then each object's load, then
    // finish_load(). Structure is rebuilt by the Python layer from canonical arrays before that.
    StateDict save_state() const;
    void load_state(const StateDict& d);
    void finish_load();

private:
    class Context;
    RunStatus run_plain(step_t n_steps);
    step_t next_structural() const;
    void apply_due_structural();
    void prepare();
    void step_phases(int k, step_t t);     // step_deliver then step_integrate
    void step_deliver(int k, step_t t);    // weight recorders, arrivals, Poisson inputs
    void step_integrate(int k, step_t t);  // state recorders, neurons
    void step_post(int k, step_t t);
    void record_weights(int k, step_t t);
    void record_state(int k, step_t t);
    void integrate(int k, step_t t);
    void flag_nan(int k);
    bool decide_stop(int k, step_t t, RunStatus& st);
    bool exchange(step_t t0, step_t t, bool window_end, bool failed_here);
    void check_ranks_agree(step_t n_steps) const;

    double dt_;
    std::uint64_t seed_;
    int threads_;
    step_t now_ = 0;
    Philox rng_;
    SpinBarrier barrier_;
    Comm comm_;
    int lane_off_ = 0;
    // steps between exchanges: the shortest delay of the network (a spike of step s is read first at s + that
    // delay), 1 where a rule reads another population's spikes of the previous step, at most a check window
    step_t exchange_every_ = 1;
    step_t arrival_lag_ = 1;  // the emission pass of arrival rings at step t walks step t - arrival_lag_  // 1 under several processes: lane 0 of spike rings and spike recorders holds lower ranks
    std::uint64_t exchanged_bytes_ = 0, exchanges_ = 0;
    std::vector<std::int32_t> xhead_, xheads_;  // exchange buffers (kept between steps)
    std::vector<index_t> xsend_, xrecv_;
    std::vector<int> xcounts_, xdispls_;
    std::vector<std::unique_ptr<Population>> pops_;
    std::vector<std::vector<Range>> parts_;
    std::vector<std::unique_ptr<Projection>> projs_;
    std::vector<std::unique_ptr<Input>> inputs_;
    // emission-time delivery (arrival_ring.hpp): per delivery target shared by static multi-delay projections, the
    // target population's id and its ring (kept across runs; configured in prepare())
    std::vector<std::pair<int, std::unique_ptr<ArrivalRing>>> arrivals_;
    void prepare_arrivals();
    // Per projection, over all ranks: synapses, shortest and longest delay (steps; none: INT64_MAX and 0). What is
    // decided from them (emission-time delivery, the exchange interval) is so the same on every rank and as in one
    // process. Gathered in prepare() (collective under several processes).
    struct ProjInfo {
        std::int64_t size = 0, dmin = std::numeric_limits<std::int64_t>::max(), dmax = 0;
    };
    std::vector<ProjInfo> proj_info_;
    void gather_projection_info();
    std::vector<std::string> kind_of_input_;
    // during a run: per population driven by current inputs, its id and the I_stim set from outside (restored after)
    std::vector<std::pair<int, std::vector<float>>> stim_base_;
    void restore_stim() noexcept;
    bool nest_time_ = false;
    std::vector<std::vector<int>> plastic_in_;  // per population: plastic projections ending there
    std::vector<std::vector<int>> steps_in_;    // per population: projections ending there with rules that step neurons
    std::vector<std::unique_ptr<SpikeMonitor>> spike_mons_;
    std::vector<std::unique_ptr<StateMonitor>> state_mons_;
    std::vector<std::unique_ptr<WeightMonitor>> weight_mons_;
    std::vector<std::unique_ptr<RateMonitor>> rate_mons_;
    std::vector<std::vector<int>> spike_mons_of_, rate_mons_of_;  // per population
    // divergence checks: spike counts per (window parity, population, thread), one cache line apart so that
    // threads never share a line; NaN flags per (population, thread)
    static constexpr std::size_t kCountStride = 8;
    std::size_t count_slot(int par, std::size_t p, int k) const {
        return ((static_cast<std::size_t>(par) * pops_.size() + p) * static_cast<std::size_t>(threads_) + static_cast<std::size_t>(k)) *
               kCountStride;
    }
    std::vector<StructEvent> log_;
    bool timing_ = false;
    std::vector<double> phase_s_;  // per thread, kPhaseStride doubles (a cache line) apart
    static constexpr std::size_t kPhaseStride = 8;
    // whole phases not yet joined to log_: per phase, the events of each thread (or of one batch), each sorted
    std::vector<std::vector<std::vector<StructEvent>>> log_pending_;
    void join_pending_log() noexcept;
    bool gather_phase_log(std::vector<std::vector<StructEvent>>& logs, bool failed_here);
    struct LastConnect {
        int id = -1;
        std::size_t pre_traces = 0, post_traces = 0;  // trace counts of its populations before its rules
    } last_connect_;
    std::vector<std::int64_t> win_counts_;
    std::vector<std::uint8_t> nan_flags_;
};

}  // namespace pyneuro
