#include "engine.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <omp.h>
#include <tuple>

#include "../structural/structural_rule.hpp"
#include "catalogue.hpp"
#include "../synapses/input.hpp"
#include "parallel.hpp"

namespace pyneuro {

// ============================================================================================================
// The step loop's ordering contract. For each step t, every thread k runs, on what it owns:
//   1. weights(t)  weight monitors due at t (weights after post(t-1), before this step's arrivals);
//   2. deliver(t)  first the arrival rings (static multi-delay projections): the spikes of step t-1 go into the
//                  ring entries of their arrival steps, and the entries of step t into the target's input array;
//                  then for every other projection, the spikes whose delay ends at t: transmit into the target's
//                  input array, then the presynaptic half of the rules (arrivals precede this step's post spikes);
//                  then every Poisson input's arrivals of step t, input by input;
//      state(t)    state monitors due at t (the state at time t, arrivals at t included);
//   3. integrate(t) every neuron of its range over [t dt, (t+1) dt); threshold, reset; spikes of step t are
//                  appended to its own list of the population's spike ring and to the traces' histories; under the
//                  NEST time convention, deliveries of step t (collected in lagged buffers) are added to the
//                  inputs only now, after the update, as NEST adds its ring buffers' inputs;
//   4. at the end of a check window: NaN flags and spike counts, one extra barrier, the same stop decision
//                  taken by every thread;
//   5. arrive      (split barrier) its spikes of step t are published;
//   6. post(t)     the postsynaptic half of the rules for its neurons that fired at t; this overlaps the other
//                  threads' arrival, so the random imbalance of post-spike work is hidden in the wait;
//   7. wait        until every thread has arrived: step t+1 may read every list of step t.
// NOTE (determinism): what step t reads from other threads was published before the previous wait (spike lists
// of steps <= t-1), or is a trace history entry of step <= t-1 that the owner's concurrent appends (a thread may
// already be integrating t+1 while another runs post(t)) never overwrite (see trace.hpp). Inputs are summed in
// the fixed orders of ArrivalRing::step and Projection::deliver. Hence identical results for every thread count.
// Several processes (set_comm): at an exchange step (every exchange_every_ steps, the shortest delay, and at the end
// of every check window and run), after 3. (and the window's NaN flags) every rank's threads meet at a barrier,
// thread 0 exchanges the spikes of the steps since the last exchange with the other ranks (exchange()), and a
// second barrier publishes them before the stop decision and post(t). A remote spike of step s enters the rings and
// the traces by step s + exchange_every_ - 1, before any reader needs it (delivery reads step t - d, presynaptic
// traces are read at t - d, d >= the shortest delay). The order of every sum is the one of a single process, so
// results are identical for every number of ranks and threads.
// ============================================================================================================

Engine::Engine(double dt, std::uint64_t seed, int threads) : dt_(dt), seed_(seed), threads_(threads), rng_(seed), barrier_(threads) {
    if (!(dt > 0.0)) throw ArgumentError("dt must be > 0");
    if (threads < 1) throw ArgumentError("threads must be >= 1");
    const std::string why = probe_threads(threads);
    if (!why.empty())
        throw ArgumentError("threads=" + std::to_string(threads) + ": this system does not let the process run that many threads: " + why);
}

void Engine::set_comm(const Comm& c) {
    if (!pops_.empty() || now_ != 0) throw ArgumentError("comm: the communicator must be set before anything is added");
    comm_ = c;
    lane_off_ = c.distributed() ? 1 : 0;
}

Range Engine::owned(index_t n) const {
    if (!comm_.distributed()) return {0, n};
    return split_range(n, comm_.size())[static_cast<std::size_t>(comm_.rank())];
}

Range Engine::owned_of(int pop) const {
    const auto& parts = parts_.at(static_cast<std::size_t>(pop));
    return {parts.front().begin, parts.back().end};
}

// What factories may ask of the network being built (catalogue.hpp).
class Engine::Context final : public CoreBuildContext {
public:
    explicit Context(const Engine& e) : e_(e) {}
    double dt() const noexcept override { return e_.dt_; }
    Population* population(int id) const noexcept override {
        return id >= 0 && static_cast<std::size_t>(id) < e_.pops_.size() ? e_.pops_[static_cast<std::size_t>(id)].get() : nullptr;
    }
private:
    const Engine& e_;
};

// All or nothing: everything is allocated before the population joins (the push_backs then cannot fail).
int Engine::add_population(const std::string& kind, index_t n, const ParamMap& p) {
    std::unique_ptr<Population> pop = catalogue().make_model(kind, n, p, Context(*this));
    const int id = static_cast<int>(pops_.size());
    pop->set_id(id);
    pop->prepare(dt_);
    // this rank's block, split among its threads (in one process: split_range(n, threads_))
    const Range mine = owned(n);
    auto parts = split_range(mine.size(), threads_);
    for (auto& r : parts) {
        r.begin += mine.begin;
        r.end += mine.begin;
    }
    const std::size_t m = pops_.size() + 1;
    pops_.reserve(m);
    parts_.reserve(m);
    plastic_in_.reserve(m);
    steps_in_.reserve(m);
    spike_mons_of_.reserve(m);
    rate_mons_of_.reserve(m);
    pops_.push_back(std::move(pop));
    parts_.push_back(std::move(parts));
    plastic_in_.emplace_back();
    steps_in_.emplace_back();
    spike_mons_of_.emplace_back();
    rate_mons_of_.emplace_back();
    return id;
}

int Engine::id_of(const Population& p) const {
    const int id = p.id();
    if (id < 0 || id >= n_populations() || pops_[static_cast<std::size_t>(id)].get() != &p)
        throw ArgumentError("the population belongs to another network");
    return id;
}

int Engine::id_of(const Projection& p) const {
    const int id = p.id();
    if (id < 0 || id >= n_projections() || projs_[static_cast<std::size_t>(id)].get() != &p)
        throw ArgumentError("the projection belongs to another network");
    return id;
}

int Engine::id_of(const Input& in) const {
    const int id = in.id();
    if (id < 0 || id >= n_inputs() || inputs_[static_cast<std::size_t>(id)].get() != &in)
        throw ArgumentError("the input belongs to another network");
    return id;
}

void Engine::pop_population(int id) {
    if (pops_.empty() || id != static_cast<int>(pops_.size()) - 1)
        throw ArgumentError("pop_population: only the population just added can be taken back");
    const Population* P = pops_.back().get();
    for (const auto& pr : projs_)
        if (&pr->pre() == P || &pr->post() == P) throw ArgumentError("pop_population: the population has projections");
    if (!spike_mons_of_.back().empty() || !rate_mons_of_.back().empty())
        throw ArgumentError("pop_population: the population has recorders");
    for (const auto& sm : state_mons_)
        if (sm->pop == id) throw ArgumentError("pop_population: the population has recorders");
    pops_.pop_back();
    parts_.pop_back();
    plastic_in_.pop_back();
    steps_in_.pop_back();
    spike_mons_of_.pop_back();
    rate_mons_of_.pop_back();
}

// A projection is built apart and joins the engine only when its build succeeded (an exception, e.g. std::bad_alloc
// from a building thread, leaves the engine as it was).
int Engine::connect(int pre, int post, Receptor r, const ConnSpec& c, const ValueSpec& w, const ValueSpec& d) {
    const int id = static_cast<int>(projs_.size());
    auto proj = std::make_unique<Projection>(id, population(pre), population(post), r, threads_, parts(post));
    proj->build(c, w, d, rng_);
    projs_.reserve(projs_.size() + 1);
    last_connect_ = {id, population(pre).traces().size(), population(post).traces().size()};
    projs_.push_back(std::move(proj));
    return id;
}

int Engine::connect_arrays(int pre, int post, Receptor r, const std::vector<index_t>& pi, const std::vector<index_t>& qi,
                           const std::vector<std::uint32_t>& d, const std::vector<float>& w) {
    const int id = static_cast<int>(projs_.size());
    auto proj = std::make_unique<Projection>(id, population(pre), population(post), r, threads_, parts(post));
    proj->build_from(pi, qi, d, w);
    projs_.reserve(projs_.size() + 1);
    last_connect_ = {id, population(pre).traces().size(), population(post).traces().size()};
    projs_.push_back(std::move(proj));
    return id;
}

void Engine::pop_projection(int id) {
    if (projs_.empty() || id != static_cast<int>(projs_.size()) - 1 || last_connect_.id != id)
        throw ArgumentError("pop_projection: only the projection just connected can be taken back");
    Projection& pr = *projs_.back();
    for (auto& v : plastic_in_) v.erase(std::remove(v.begin(), v.end(), id), v.end());
    for (auto& v : steps_in_) v.erase(std::remove(v.begin(), v.end(), id), v.end());
    // its rules' traces were appended to the populations after the counts taken at connect (none since)
    auto& tp = pr.pre().traces();
    if (tp.size() > last_connect_.pre_traces) tp.resize(last_connect_.pre_traces);
    auto& tq = pr.post().traces();
    if (tq.size() > last_connect_.post_traces) tq.resize(last_connect_.post_traces);
    projs_.pop_back();
    arrivals_.clear();  // no ring may keep the address of a projection that is gone
    last_connect_ = {};
}

void Engine::add_rule(int proj, const std::string& kind, const ParamMap& p) {
    Projection& pr = projection(proj);
    std::unique_ptr<Rule> rule = catalogue().make_rule(kind, p, Context(*this));
    if (const std::string why = rule->attach_problem(pr); !why.empty()) throw ArgumentError(why);
    const bool first = !pr.plastic();
    const bool steps = rule->steps_neurons;
    auto& stepping = steps_in_[static_cast<std::size_t>(pr.post().id())];
    auto& into = plastic_in_[static_cast<std::size_t>(pr.post().id())];
    if (first) into.reserve(into.size() + 1);  // the push_backs below cannot fail once the rule is in
    if (steps) stepping.reserve(stepping.size() + 1);
    pr.add_rule(std::move(rule));
    if (first) into.push_back(proj);
    if (steps && std::find(stepping.begin(), stepping.end(), proj) == stepping.end()) stepping.push_back(proj);
}

int Engine::add_input(const std::string& kind, int pop, Receptor r, const ParamMap& p) {
    auto in = catalogue().make_input(kind, static_cast<int>(inputs_.size()), population(pop), r, p, Context(*this));
    in->prepare(dt_, nest_time_);  // checks the parameters before the input is added
    inputs_.push_back(std::move(in));
    kind_of_input_.push_back(kind);
    return static_cast<int>(inputs_.size()) - 1;
}

void Engine::set_input(int id, const ParamMap& p) {
    Input& in = input(id);
    // a trial copy of the kind checks the new parameters first, so a refusal changes nothing
    auto trial = catalogue().make_input(kind_of_input_.at(static_cast<std::size_t>(id)), id, in.target(), in.receptor(), p, Context(*this));
    trial->prepare(dt_, nest_time_);
    in.set(p);
    in.prepare(dt_, nest_time_);  // as the trial's: succeeds
}

std::vector<double> Engine::input_current(int id, index_t i, step_t t0, step_t t1) const {
    const Input& in = *inputs_.at(static_cast<std::size_t>(id));
    if (i >= const_cast<Input&>(in).target().size()) throw ArgumentError("input_current: neuron index out of range");
    std::vector<double> out;
    for (step_t t = t0; t < t1; ++t) out.push_back(in.current(i, t, rng_));
    return out;
}

// Put back the stimulus currents set from outside (the end of a run that current inputs drove).
void Engine::restore_stim() noexcept {
    for (auto& [p, base] : stim_base_) {
        avector<float>* v = pops_[static_cast<std::size_t>(p)]->var("I_stim");
        std::copy(base.begin(), base.end(), v->begin());
    }
    stim_base_.clear();
}

void Engine::set_nest_time(bool on) {
    if (on == nest_time_) return;
    if (now_ != 0) throw ArgumentError("the time convention can only be chosen before the first step");
    nest_time_ = on;
}

void Engine::add_structural(int proj, const std::string& kind, const ParamMap& p) {
    Projection& pr = projection(proj);
    std::unique_ptr<StructuralRule> rule = catalogue().make_structural(kind, p, Context(*this));
    pr.add_structural(std::move(rule), now_);
}

static bool event_less(const StructEvent& a, const StructEvent& b) {
    return std::tie(a.step, a.proj, a.kind, a.pre, a.post, a.w) < std::tie(b.step, b.proj, b.kind, b.pre, b.post, b.w);
}

Engine::LogColumns Engine::log_columns() const {
    LogColumns c;
    auto add = [&c](const StructEvent& e) {
        c.step.push_back(e.step);
        c.kind.push_back(e.kind);
        c.proj.push_back(e.proj);
        c.pre.push_back(e.pre);
        c.post.push_back(e.post);
        c.w.push_back(e.w);
    };
    for (const auto& e : log_) add(e);
    for (const auto& phase : log_pending_) {  // merged into the canonical order here
        std::vector<StructEvent> all;
        for (const auto& part : phase) all.insert(all.end(), part.begin(), part.end());
        std::sort(all.begin(), all.end(), event_less);
        for (const auto& e : all) add(e);
    }
    return c;
}

// Joins the pending phases to the main log, oldest first, each all or nothing; stops quietly where memory runs out
// (the phases stay pending: nothing is lost).
void Engine::join_pending_log() noexcept {
    std::size_t joined = 0;
    for (auto& phase : log_pending_) {
        std::size_t n = 0;
        for (const auto& part : phase) n += part.size();
        try {
            if (log_.capacity() < log_.size() + n) log_.reserve(std::max(log_.size() + n, 2 * log_.capacity()));
        } catch (...) {
            break;
        }
        const std::size_t at = log_.size();
        for (const auto& part : phase) log_.insert(log_.end(), part.begin(), part.end());  // within capacity
        std::sort(log_.begin() + static_cast<std::ptrdiff_t>(at), log_.end(), event_less);
        ++joined;
    }
    log_pending_.erase(log_pending_.begin(), log_pending_.begin() + static_cast<std::ptrdiff_t>(joined));
}

void Engine::log_events(std::vector<StructEvent> ev) {
    std::sort(ev.begin(), ev.end(), event_less);
    std::vector<std::vector<StructEvent>> phase;
    phase.push_back(std::move(ev));
    log_pending_.push_back(std::move(phase));
    join_pending_log();
}

// One phase's per-thread events (moved from, without allocating: the caller reserved log_pending_).
void Engine::log_events(std::vector<std::vector<StructEvent>>& per_thread) {
    for (auto& part : per_thread) std::sort(part.begin(), part.end(), event_less);
    log_pending_.push_back(std::move(per_thread));
    join_pending_log();
}

// Several processes: every rank's events of one structural phase, to every rank (the rank's own events first
// joined into one part; log_events then sorts the phase into the canonical order, so every rank logs the same
// events in the same order as one process). Returns whether another rank's phase failed.
bool Engine::gather_phase_log(std::vector<std::vector<StructEvent>>& logs, bool failed_here) {
    std::vector<StructEvent> mine;
    for (auto& part : logs) mine.insert(mine.end(), part.begin(), part.end());
    const std::vector<std::int32_t> failed = comm_.gather_all(std::vector<std::int32_t>{failed_here ? 1 : 0});
    std::vector<StructEvent> all = comm_.gather_varying(mine);
    for (auto& part : logs) part.clear();
    logs[0] = std::move(all);
    bool other = false;
    for (std::size_t r = 0; r < failed.size(); ++r) other = other || (static_cast<int>(r) != comm_.rank() && failed[r] != 0);
    return other;
}

step_t Engine::next_structural() const {
    step_t m = std::numeric_limits<step_t>::max();
    for (const auto& pr : projs_)
        for (step_t s : const_cast<Projection&>(*pr).structural_next()) m = std::min(m, s);
    return m;
}

// The mutation phase before step now_: every structural rule due now, projection by projection, in the order added.
// An exception in a rule (std::bad_alloc, the shard limit) is caught per thread and rethrown after the rule's region;
// the projection's bookkeeping is completed first and every change that was made is logged, so the network is
// consistent and its log complete, though the phase is cut short.
void Engine::apply_due_structural() {
    for (auto& pr : projs_) {
        auto& rules = pr->structural();
        auto& next = pr->structural_next();
        bool any = false;
        for (step_t s : next) any = any || s == now_;
        if (!any) continue;
        if (comm_.distributed()) {
            // every rank clamps new delays to the same longest delay: the one of the whole projection
            std::vector<std::uint32_t> rd = comm_.gather_all(std::vector<std::uint32_t>{pr->ring_delay()});
            pr->set_max_delay(*std::max_element(rd.begin(), rd.end()));
        }
        pr->begin_structural();
        try {
            // removal-only rules (pruning) first, then the others, each group in the order added
            std::vector<std::size_t> order;
            for (int pass = 0; pass < 2; ++pass)
                for (std::size_t r = 0; r < rules.size(); ++r)
                    if (rules[r]->removes_only() == (pass == 0)) order.push_back(r);
            for (std::size_t r : order) {
                if (next[r] != now_) continue;
                StructCtx c{now_, static_cast<std::uint64_t>(now_ / rules[r]->interval), &rng_, dt_, static_cast<int>(r), &comm_};
                log_pending_.reserve(log_pending_.size() + 1);  // before anything changes: logging cannot fail
                std::vector<std::vector<StructEvent>> logs(static_cast<std::size_t>(threads_));
                ThreadErrors errs(threads_);
                rules[r]->plan(*pr, c);
#pragma omp parallel for num_threads(threads_) schedule(static, 1)
                for (int k = 0; k < threads_; ++k)
                    errs.guard(k, [&] { rules[r]->apply(*pr, k, c, logs[static_cast<std::size_t>(k)]); });
                const bool other_failed = comm_.distributed() && gather_phase_log(logs, errs.failed());
                log_events(logs);
                next[r] += rules[r]->interval;
                errs.rethrow();
                if (other_failed) throw std::runtime_error("another MPI rank failed in a structural phase at step " + std::to_string(now_));
            }
        } catch (...) {
            pr->end_structural();
            throw;
        }
        pr->end_structural();
    }
}

void Engine::add_neuron_rule(int pop, const std::string& kind, const ParamMap& p) {
    Population& P = population(pop);
    std::unique_ptr<NeuronRule> rule = catalogue().make_neuron_rule(kind, p, Context(*this));
    rule->attach(P, dt_);
    P.neuron_rules().push_back(std::move(rule));
}

int Engine::add_spike_monitor(int pop, const std::vector<index_t>& subset) {
    spike_mons_.push_back(std::make_unique<SpikeMonitor>(pop, population(pop).size(), subset, threads_ + 2 * lane_off_));
    spike_mons_of_[static_cast<std::size_t>(pop)].push_back(static_cast<int>(spike_mons_.size()) - 1);
    return static_cast<int>(spike_mons_.size()) - 1;
}

int Engine::add_state_monitor(int pop, const std::string& var, const std::vector<index_t>& idx, step_t every) {
    if (!population(pop).var(var)) throw ArgumentError("unknown state variable '" + var + "'");
    state_mons_.push_back(std::make_unique<StateMonitor>(pop, var, idx, every, now_));
    return static_cast<int>(state_mons_.size()) - 1;
}

int Engine::add_weight_monitor(int proj, const std::vector<std::uint64_t>& sel, step_t every) {
    weight_mons_.push_back(std::make_unique<WeightMonitor>(proj, sel, every, now_));
    return static_cast<int>(weight_mons_.size()) - 1;
}

int Engine::add_rate_monitor(int pop, step_t bin) {
    rate_mons_.push_back(std::make_unique<RateMonitor>(pop, bin, now_, threads_));
    rate_mons_of_[static_cast<std::size_t>(pop)].push_back(static_cast<int>(rate_mons_.size()) - 1);
    return static_cast<int>(rate_mons_.size()) - 1;
}

void Engine::prepare() {
    const std::size_t np = pops_.size();
    std::vector<int> depth(np, 1), window(np, 0);
    for (auto& pr : projs_) {
        const std::size_t pre = static_cast<std::size_t>(pr->pre().id());
        depth[pre] = std::max<int>(depth[pre], static_cast<int>(pr->ring_delay()));
        if (pr->plastic()) window[pre] = std::max<int>(window[pre], static_cast<int>(pr->ring_delay()));
        pr->resolve_target(nest_time_);
        for (auto& r : pr->rules()) r->before_run(*pr);
        // a modulator population's spikes of step t-1 are read in the post phase of step t, while a faster thread
        // may already be writing step t+1: its ring must hold three steps
        for (auto& r : pr->rules())
            if (const Population* m = r->reads_spikes_of())
                depth[static_cast<std::size_t>(m->id())] = std::max(depth[static_cast<std::size_t>(m->id())], 2);
    }
    for (auto& in : inputs_) in->prepare(dt_, nest_time_);
    std::vector<std::uint8_t> driven(np, 0);
    for (auto& in : inputs_)
        if (in->adds_current()) driven[static_cast<std::size_t>(in->target().id())] = 1;
    stim_base_.clear();
    for (std::size_t p = 0; p < np; ++p) {
        pops_[p]->set_stim_driven(driven[p] != 0);
        if (driven[p]) {
            const avector<float>& v = *pops_[p]->var("I_stim");
            stim_base_.emplace_back(static_cast<int>(p), std::vector<float>(v.begin(), v.end()));
        }
    }
    for (std::size_t p = 0; p < np; ++p) {
        Population& pop = *pops_[p];
        pop.prepare(dt_);
        pop.reset_snapshots();  // the state at the start of this run, in every slot
        const int d = depth[p] + 1;
        if (pop.ring().depth() != std::max(d, 2) || pop.ring().threads() != threads_ || pop.ring().remote() != comm_.distributed()) {
            StateDict keep;
            const bool had = pop.ring().configured();
            if (had) pop.ring().save(keep, "");
            pop.ring().configure(std::max(d, 2), threads_, comm_.distributed());
            if (had && has(keep, "ring_steps")) pop.ring().load(keep, "", pop.size(), now_);
        }
        const int isi = std::max(1, pop.min_isi_steps());
        const int cap = (window[p] + 1 + isi - 1) / isi + 2;
        for (auto& tr : pop.traces()) {
            tr->configure(pop.size(), std::max(cap, 3), dt_);
            tr->apply_initial(now_);
        }
        pop.on_clock(now_, rng_);
    }
    for (auto& pr : projs_) pr->sync_mirrors(now_);  // after the traces are configured
    gather_projection_info();
    prepare_arrivals();                               // after the spike rings are configured
    exchange_every_ = check_every;
    for (std::size_t q = 0; q < projs_.size(); ++q) {
        exchange_every_ = std::min<step_t>(exchange_every_, proj_info_[q].dmin);
        for (auto& r : projs_[q]->rules())
            if (r->reads_spikes_of()) exchange_every_ = 1;
    }
    exchange_every_ = std::max<step_t>(exchange_every_, 1);
    // emission-time delivery (arrival rings) walks at step t the spikes of step t - lag: t - 1 in one process, the
    // last exchanged step's lag under several (any lag up to the shortest delay gives the same sums)
    arrival_lag_ = comm_.distributed() ? exchange_every_ : 1;
    const std::size_t need = 2 * np * static_cast<std::size_t>(threads_) * kCountStride;
    if (win_counts_.size() != need) win_counts_.assign(need, 0);
    nan_flags_.assign((np + projs_.size()) * static_cast<std::size_t>(threads_), 0);
    // weight monitors: where each recorded synapse lives
    for (auto& wm : weight_mons_) {
        Projection& pr = projection(wm->proj);
        if (wm->version == pr.version() && !wm->where.empty()) continue;
        Gathered g = pr.gather(true);
        wm->where.assign(static_cast<std::size_t>(threads_), {});
        if (wm->sel.empty()) {
            for (std::size_t q = 0; q < g.w.size(); ++q) wm->where[g.shard[q]].emplace_back(q, g.offset[q]);
            wm->width = g.w.size();
        } else {
            for (std::size_t c = 0; c < wm->sel.size(); ++c) {
                const std::uint64_t q = wm->sel[c];
                if (q >= g.w.size()) throw ArgumentError("weight monitor: synapse index out of range");
                wm->where[g.shard[q]].emplace_back(c, g.offset[q]);
            }
            wm->width = wm->sel.size();
        }
        wm->version = pr.version();
    }
}

void Engine::step_post(int k, step_t t) {
    for (std::size_t p = 0; p < pops_.size(); ++p) {
        if (plastic_in_[p].empty()) continue;
        const std::vector<index_t>& ids = pops_[p]->ring().own(t, k);
        for (int pr : plastic_in_[p]) {
            Projection& P = *projs_[static_cast<std::size_t>(pr)];
            if (!ids.empty()) P.post_spikes(k, ids, t);
            P.tick(k, t);
        }
    }
}

void Engine::record_state(int k, step_t t) {
    for (auto& sm : state_mons_)
        if (sm->due(t)) sm->sample(k, t, population(sm->pop).var(sm->var)->data(), parts(sm->pop));
}

void Engine::record_weights(int k, step_t t) {
    for (auto& wm : weight_mons_) {
        if (!wm->due(t)) continue;
        const Shard& sh = projection(wm->proj).shards()[static_cast<std::size_t>(k)];
        const std::size_t row = wm->run_row0 + static_cast<std::size_t>((t - wm->run_t0) / wm->every);
        float* out = wm->values.data() + row * wm->width;
        for (const auto& cw : wm->where[static_cast<std::size_t>(k)]) out[cw.first] = sh.w[cw.second];
    }
}

void Engine::integrate(int k, step_t t) {
    const std::size_t np = pops_.size();
    const int par = static_cast<int>((t / check_every) & 1);
    const bool window_start = t % check_every == 0;
    for (std::size_t p = 0; p < np; ++p) {
        Population& pop = *pops_[p];
        std::vector<index_t>& out = pop.ring().begin_step(t, k);
        const Range R = parts_[p][static_cast<std::size_t>(k)];
        for (auto& nr : pop.neuron_rules()) nr->before(R, t);
        pop.update(R, t, rng_, out);
        if (nest_time_) pop.flush_lagged(R);  // NEST time: this step's arrivals act from the next step on
        pop.take_snapshots(R, t);              // the state after step t, for readers on other threads in step t + 1
        pop.drop_lesioned(out);  // lesioned neurons never spike (before traces, rules, monitors and counts)
        std::int64_t& cnt = win_counts_[count_slot(par, p, k)];
        if (window_start) cnt = 0;
        if (!out.empty()) {
            cnt += static_cast<std::int64_t>(out.size());
            pop.on_spikes(out, t);
            for (auto& nr : pop.neuron_rules()) nr->on_spikes(out, t);
            for (int m : spike_mons_of_[p]) spike_mons_[static_cast<std::size_t>(m)]->record(k + lane_off_, t, out);
            for (int m : rate_mons_of_[p]) rate_mons_[static_cast<std::size_t>(m)]->add(k, t, out.size());
        }
        for (int q : steps_in_[p]) {  // rules' per-neuron state on this side (after the neurons and their traces)
            Projection& P = *projs_[static_cast<std::size_t>(q)];
            for (auto& r : P.rules())
                if (r->steps_neurons) r->after_update(P, k, R, t);
        }
    }
}

// NaN flags of thread k's neurons (and of the rules' state on thread k's part), written before the window's extra
// barrier. A rule's NaN is flagged as its projection's: slot np + q.
void Engine::flag_nan(int k) {
    const std::size_t np = pops_.size();
    for (std::size_t p = 0; p < np; ++p)
        nan_flags_[p * static_cast<std::size_t>(threads_) + static_cast<std::size_t>(k)] =
            pops_[p]->has_nan(parts_[p][static_cast<std::size_t>(k)]) ? 1 : 0;
    for (std::size_t q = 0; q < projs_.size(); ++q) {
        std::uint8_t bad = 0;
        for (auto& r : projs_[q]->rules()) bad |= r->has_nan(*projs_[q], k) ? 1 : 0;
        nan_flags_[(np + q) * static_cast<std::size_t>(threads_) + static_cast<std::size_t>(k)] = bad;
    }
}

// Returns true when the run must stop after step t. Every thread calls it at the same steps, after the flags and
// counts of all threads are written, and takes the same decision; thread k == 0 fills the status.
bool Engine::decide_stop(int k, step_t t, RunStatus& st) {
    const std::size_t np = pops_.size();
    const bool full = (t + 1) % check_every == 0;
    const int par = static_cast<int>((t / check_every) & 1);
    for (std::size_t p = 0; p < np; ++p) {
        const Population& pop = *pops_[p];
        bool nan = false;
        std::int64_t total = 0;
        for (int q = 0; q < threads_; ++q) {
            nan |= nan_flags_[p * static_cast<std::size_t>(threads_) + static_cast<std::size_t>(q)] != 0;
            total += win_counts_[count_slot(par, p, q)];
        }
        const double rate = pop.size() == 0 ? 0.0 : static_cast<double>(total) / (pop.size() * check_every * dt_ * 1e-3);
        const bool runaway = full && !pop.is_source() && rate > max_rate;
        if (nan || runaway) {
            if (k == 0) {
                st.stopped = true;
                st.reason = nan ? "nan" : "rate";
                st.population = static_cast<int>(p);
                st.step = t;
                st.value = rate;
            }
            return true;
        }
    }
    for (std::size_t q = 0; q < projs_.size(); ++q) {
        bool nan = false;
        for (int h = 0; h < threads_; ++h) nan |= nan_flags_[(np + q) * static_cast<std::size_t>(threads_) + static_cast<std::size_t>(h)] != 0;
        if (nan) {
            if (k == 0) {
                st.stopped = true;
                st.reason = "nan";
                st.population = projs_[q]->post().id();
                st.projection = static_cast<int>(q);
                st.step = t;
            }
            return true;
        }
    }
    return false;
}

// Several processes: the spikes of steps [t0, t] of every rank to every rank (called by thread 0 while the others
// wait). Message of a rank: a header of int32 [failed, spike count per (step, population), and at the end of a
// check window a NaN flag per population and projection], gathered with MPI_Allgather, then the ids of its spikes, step by
// step and population by population (ascending: the threads' lists in order), gathered with MPI_Allgatherv. Every
// rank calls it at the same steps with the same range (exchange_every_, check windows and run ends depend only on
// the step). Returns whether another rank failed (then every rank leaves the loop after step t).
bool Engine::exchange(step_t t0, step_t t, bool window_end, bool failed_here) {
    const std::size_t np = pops_.size(), nq = projs_.size();
    const std::size_t R = static_cast<std::size_t>(comm_.size()), me = static_cast<std::size_t>(comm_.rank());
    const std::size_t T = static_cast<std::size_t>(threads_);
    const std::size_t m = static_cast<std::size_t>(t - t0 + 1);
    const std::size_t F = 1 + m * np, H = F + (window_end ? np + nq : 0);  // F: where the NaN flags start
    xhead_.assign(H, 0);
    xhead_[0] = failed_here ? 1 : 0;
    xsend_.clear();
    for (std::size_t si = 0; si < m; ++si)
        for (std::size_t p = 0; p < np; ++p) {
            const SpikeRing& ring = pops_[p]->ring();
            std::size_t c = 0;
            for (int k = 0; k < threads_; ++k) {
                const auto& l = ring.own(t0 + static_cast<step_t>(si), k);
                xsend_.insert(xsend_.end(), l.begin(), l.end());
                c += l.size();
            }
            xhead_[1 + si * np + p] = static_cast<std::int32_t>(c);
        }
    if (window_end) {
        for (std::size_t p = 0; p < np; ++p) {
            std::uint8_t bad = 0;
            for (std::size_t k = 0; k < T; ++k) bad |= nan_flags_[p * T + k];
            xhead_[F + p] = bad;
        }
        for (std::size_t q = 0; q < nq; ++q) {
            std::uint8_t bad = 0;
            for (std::size_t k = 0; k < T; ++k) bad |= nan_flags_[(np + q) * T + k];
            xhead_[F + np + q] = bad;
        }
    }
    xheads_.resize(H * R);
    comm_.allgather(xhead_.data(), static_cast<int>(H * sizeof(std::int32_t)), xheads_.data());
    xcounts_.assign(R, 0);
    xdispls_.assign(R, 0);
    std::size_t total = 0;
    for (std::size_t r = 0; r < R; ++r) {
        std::size_t c = 0;
        for (std::size_t x = 1; x < F; ++x) c += static_cast<std::size_t>(xheads_[r * H + x]);
        xcounts_[r] = static_cast<int>(c * sizeof(index_t));
        xdispls_[r] = static_cast<int>(total * sizeof(index_t));
        total += c;
    }
    xrecv_.resize(std::max<std::size_t>(total, 1));
    comm_.allgatherv(xsend_.data(), static_cast<int>(xsend_.size() * sizeof(index_t)), xrecv_.data(), xcounts_, xdispls_);
    exchanged_bytes_ += H * R * sizeof(std::int32_t) + total * sizeof(index_t);
    ++exchanges_;
    // the remote spikes: ring lanes (lower ranks first, higher ranks last), then, step by step, traces, recorders,
    // counts; the NaN flags
    for (std::size_t si = 0; si < m; ++si)
        for (std::size_t p = 0; p < np; ++p) {
            pops_[p]->ring().remote_list(t0 + static_cast<step_t>(si), 0).clear();
            pops_[p]->ring().remote_list(t0 + static_cast<step_t>(si), 1).clear();
        }
    bool other_failed = false;
    std::size_t pos = 0;
    for (std::size_t r = 0; r < R; ++r) {
        const std::int32_t* h = xheads_.data() + r * H;
        if (r != me && h[0] != 0) other_failed = true;
        for (std::size_t si = 0; si < m; ++si)
            for (std::size_t p = 0; p < np; ++p) {
                const std::size_t c = static_cast<std::size_t>(h[1 + si * np + p]);
                if (r != me) {
                    std::vector<index_t>& dst = pops_[p]->ring().remote_list(t0 + static_cast<step_t>(si), r < me ? 0 : 1);
                    dst.insert(dst.end(), xrecv_.begin() + static_cast<std::ptrdiff_t>(pos),
                               xrecv_.begin() + static_cast<std::ptrdiff_t>(pos + c));
                }
                pos += c;
            }
        if (r != me && window_end) {
            for (std::size_t p = 0; p < np; ++p)
                if (h[F + p] != 0) nan_flags_[p * T] = 1;
            for (std::size_t q = 0; q < nq; ++q)
                if (h[F + np + q] != 0) nan_flags_[(np + q) * T] = 1;
        }
    }
    for (step_t s = t0; s <= t; ++s) {
        const int par = static_cast<int>((s / check_every) & 1);  // an exchange never spans two check windows
        for (std::size_t p = 0; p < np; ++p) {
            Population& pop = *pops_[p];
            for (int side = 0; side < 2; ++side) {
                const std::vector<index_t>& ids = pop.ring().remote_list(s, side);
                if (ids.empty()) continue;
                win_counts_[count_slot(par, p, 0)] += static_cast<std::int64_t>(ids.size());
                pop.on_spikes(ids, s);
                const int lane = side == 0 ? 0 : threads_ + 1;
                for (int mo : spike_mons_of_[p]) spike_mons_[static_cast<std::size_t>(mo)]->record(lane, s, ids);
                for (int mo : rate_mons_of_[p]) rate_mons_[static_cast<std::size_t>(mo)]->add(0, s, ids.size());
            }
        }
    }
    return other_failed;
}

// Before a run under several processes: every rank must run the same network for the same steps, or the exchange
// would pair unrelated messages. A mismatch is an error on every rank (each sees every signature).
void Engine::check_ranks_agree(step_t n_steps) const {
    std::vector<std::int64_t> sig = {n_steps, now_, static_cast<std::int64_t>(pops_.size()), static_cast<std::int64_t>(projs_.size()),
                                     static_cast<std::int64_t>(spike_mons_.size()), static_cast<std::int64_t>(rate_mons_.size()),
                                     check_every, nest_time_ ? 1 : 0};
    for (const auto& p : pops_) sig.push_back(static_cast<std::int64_t>(p->size()));
    std::vector<std::int64_t> all(sig.size() * static_cast<std::size_t>(comm_.size()));
    comm_.allgather(sig.data(), static_cast<int>(sig.size() * sizeof(std::int64_t)), all.data());
    for (int r = 0; r < comm_.size(); ++r)
        if (!std::equal(sig.begin(), sig.end(), all.begin() + static_cast<std::ptrdiff_t>(static_cast<std::size_t>(r) * sig.size())))
            throw ArgumentError("comm: rank " + std::to_string(r) + " runs a different network or number of steps than rank " +
                                std::to_string(comm_.rank()) + " (every rank must build the same network and run it for the same durations)");
}

// Phases 1-3 of step t for thread k (see the ordering contract at the top of this file).
void Engine::step_phases(int k, step_t t) {
    step_deliver(k, t);
    step_integrate(k, t);
}

// Static projections with several delays deliver at emission time into a ring per delivery target (population,
// receptor; arrival_ring.hpp), when the ring costs at most one byte per synapse of its members or at most
// kSmallRing bytes; the others deliver at the arrival time (Projection::deliver).
void Engine::gather_projection_info() {
    const std::size_t nq = projs_.size();
    proj_info_.assign(nq, ProjInfo{});
    std::vector<std::int64_t> mine(3 * nq);
    for (std::size_t q = 0; q < nq; ++q) {
        const auto& d = projs_[q]->delays();
        mine[3 * q] = static_cast<std::int64_t>(projs_[q]->size());
        mine[3 * q + 1] = d.empty() ? std::numeric_limits<std::int64_t>::max() : d.front();
        mine[3 * q + 2] = d.empty() ? 0 : d.back();
    }
    const std::size_t R = static_cast<std::size_t>(comm_.size());
    std::vector<std::int64_t> all(3 * nq * R);
    if (comm_.distributed())
        comm_.allgather(mine.data(), static_cast<int>(mine.size() * sizeof(std::int64_t)), all.data());
    else
        all = mine;
    for (std::size_t r = 0; r < R; ++r)
        for (std::size_t q = 0; q < nq; ++q) {
            const std::int64_t* x = all.data() + 3 * (r * nq + q);
            proj_info_[q].size += x[0];
            proj_info_[q].dmin = std::min(proj_info_[q].dmin, x[1]);
            proj_info_[q].dmax = std::max(proj_info_[q].dmax, x[2]);
        }
}

void Engine::prepare_arrivals() {
    constexpr std::size_t kSmallRing = std::size_t{16} << 20;
    struct Group {
        float* target;
        int pop;
        int depth = 1;
        std::size_t synapses = 0;
        std::vector<Projection*> projs;
    };
    std::vector<Group> groups;
    // decided on the projections' counts and delays over all ranks (proj_info_), as one process decides
    for (auto& pr : projs_) {
        pr->set_ahead(false);
        const ProjInfo& info = proj_info_[static_cast<std::size_t>(pr->id())];
        if (!pr->rules().empty() || info.dmin >= info.dmax || pr->target() == nullptr) continue;
        auto g = std::find_if(groups.begin(), groups.end(), [&](const Group& x) { return x.target == pr->target(); });
        if (g == groups.end()) g = groups.insert(groups.end(), Group{pr->target(), pr->post().id()});
        g->depth = std::max(g->depth, static_cast<int>(info.dmax));
        g->synapses += static_cast<std::size_t>(info.size);
        g->projs.push_back(pr.get());
    }
    std::vector<std::pair<int, std::unique_ptr<ArrivalRing>>> next;
    for (const Group& g : groups) {
        const index_t n = pops_[static_cast<std::size_t>(g.pop)]->size();
        const std::size_t bytes = ArrivalRing::bytes_for(g.depth, n);
        if (bytes > std::max(g.synapses, kSmallRing)) continue;
        std::vector<ArrivalRing::Member> members;
        for (Projection* p : g.projs) members.push_back({p, p->version(), p->values_version(), p->pre().ring().generation()});
        std::unique_ptr<ArrivalRing> ring;
        for (auto& [pop, r] : arrivals_)  // the ring of the last run, whose content may still be current
            if (r && r->target() == g.target) ring = std::move(r);
        if (!ring) ring = std::make_unique<ArrivalRing>();
        ring->configure(std::move(members), g.target, n, g.depth, threads_);
        for (Projection* p : g.projs) p->set_ahead(true);
        next.emplace_back(g.pop, std::move(ring));
    }
    arrivals_.swap(next);
}

void Engine::step_deliver(int k, step_t t) {
    record_weights(k, t);
    for (auto& [p, ring] : arrivals_) ring->step(k, t, parts_[static_cast<std::size_t>(p)][static_cast<std::size_t>(k)], arrival_lag_);
    for (auto& pr : projs_) pr->deliver(k, t);
    for (auto& [p, base] : stim_base_) {  // I_stim = its set value + this step's current inputs
        const Range R = parts_[static_cast<std::size_t>(p)][static_cast<std::size_t>(k)];
        float* v = pops_[static_cast<std::size_t>(p)]->var("I_stim")->data();
        std::copy(base.begin() + R.begin, base.begin() + R.end, v + R.begin);
    }
    for (auto& in : inputs_) in->apply(parts_[static_cast<std::size_t>(in->target().id())][static_cast<std::size_t>(k)], t, rng_);
}

void Engine::step_integrate(int k, step_t t) {
    record_state(k, t);
    integrate(k, t);
}

void Engine::set_timing(bool on) {
    timing_ = on;
    phase_s_.assign(static_cast<std::size_t>(threads_) * kPhaseStride, 0.0);
}

std::vector<std::vector<double>> Engine::phase_times() const {
    std::vector<std::vector<double>> out(static_cast<std::size_t>(threads_), std::vector<double>(kPhases, 0.0));
    for (std::size_t k = 0; k < out.size() && (k + 1) * kPhaseStride <= phase_s_.size(); ++k)
        for (int q = 0; q < kPhases; ++q) out[k][static_cast<std::size_t>(q)] = phase_s_[k * kPhaseStride + static_cast<std::size_t>(q)];
    return out;
}

namespace {
// Accumulates the wall time between laps into per-phase sums; does nothing (reads no clock) when off.
struct PhaseClock {
    bool on;
    double* acc;
    std::chrono::steady_clock::time_point last{};
    void start() {
        if (on) last = std::chrono::steady_clock::now();
    }
    void lap(int phase) {
        if (!on) return;
        const auto now = std::chrono::steady_clock::now();
        acc[phase] += std::chrono::duration<double>(now - last).count();
        last = now;
    }
};
}  // namespace

// Runs n_steps, stopping the step loop at every structural boundary for the mutation phase (a rule due at the end
// of the run acts before the run returns, so a checkpoint taken then holds the new structure).
RunStatus Engine::run(step_t n_steps) {
    RunStatus st;
    if (n_steps <= 0) return st;
    if (comm_.distributed()) check_ranks_agree(n_steps);
    const step_t t1 = now_ + n_steps;
    while (true) {
        apply_due_structural();
        if (now_ >= t1) break;
        st = run_plain(std::min(t1, next_structural()) - now_);
        if (st.stopped) break;
    }
    return st;
}

RunStatus Engine::run_plain(step_t n_steps) {
    RunStatus st;
    if (n_steps <= 0) return st;
    prepare();
    const step_t t0 = now_, t1 = now_ + n_steps;
    try {
        for (auto& sm : state_mons_) sm->reserve_run(t0, t1);
        for (auto& wm : weight_mons_) wm->reserve_run(t0, t1, wm->width);
        for (auto& rm : rate_mons_) rm->reserve_run(t1);
    } catch (...) {  // rows reserved for this run go again (trimming never allocates)
        for (auto& sm : state_mons_) sm->trim(now_);
        for (auto& wm : weight_mons_) wm->trim(now_);
        throw;
    }
    std::atomic<step_t> last{t1 - 1};
    barrier_.reset(threads_);
    // Exceptions (std::bad_alloc while a spike list or a recorder grows) must neither leave the parallel region nor
    // strand the other threads at a barrier: a thread that fails keeps its exception, stops working, but keeps
    // meeting the barriers, and publishes the step of its failure (the earliest wins) before its next arrive(). Every
    // thread reads that step after the step's wait(), where every earlier publication is visible, so all leave the
    // loop after the same step; the exception of the lowest failing thread is rethrown once the run is wound up
    // (recorders merged, clock at the step after). A run cut short so leaves the failing step partly done.
    ThreadErrors errs(threads_);
    std::atomic<step_t> fail_at{std::numeric_limits<step_t>::max()};
    const bool distributed = comm_.distributed();
    std::atomic<bool> failed_here{false};  // a thread of this rank failed (told to the other ranks)
    step_t xfrom = t0;                     // the first step not exchanged yet (written by thread 0 only)
    auto publish = [&](step_t t) {
        step_t cur = fail_at.load();
        while (t < cur && !fail_at.compare_exchange_weak(cur, t)) {
        }
    };

    if (timing_ && phase_s_.size() != static_cast<std::size_t>(threads_) * kPhaseStride) set_timing(true);
    auto body = [&](int k) {
        PhaseClock clk{timing_, timing_ ? phase_s_.data() + static_cast<std::size_t>(k) * kPhaseStride : nullptr};
        clk.start();
        bool failed = false;
        step_t t = t0;
        for (; t < t1; ++t) {
            if (!failed)
                failed = !errs.guard(k, [&] {
                    step_deliver(k, t);
                    clk.lap(0);
                    step_integrate(k, t);
                    clk.lap(1);
                });
            bool stop = false;
            const bool window_end = (t + 1) % check_every == 0 || t + 1 == t1;
            const bool xstep = distributed && (window_end || (t + 1) % exchange_every_ == 0);
            if (failed && distributed) failed_here.store(true);
            if (xstep) {
                if (window_end && !failed) flag_nan(k);
                barrier_.wait();
                if (k == 0) {
                    bool other = true;
                    const bool ok = errs.guard(0, [&] { other = exchange(xfrom, t, window_end, failed_here.load()); });
                    xfrom = t + 1;
                    if (ok && other && !failed)
                        errs.guard(0, [&] { throw std::runtime_error("another MPI rank failed at step " + std::to_string(t)); });
                    if (!ok || other) failed = true;
                }
                barrier_.wait();
                if (window_end) stop = decide_stop(k, t, st);
            } else if (window_end) {
                if (!failed) flag_nan(k);
                barrier_.wait();
                stop = decide_stop(k, t, st);
            }
            if (failed) publish(t);
            const unsigned ticket = barrier_.arrive();
            clk.lap(3);
            if (!failed) failed = !errs.guard(k, [&] { step_post(k, t); });
            clk.lap(2);
            barrier_.wait(ticket);
            clk.lap(3);
            // under several processes a failure is told to the other ranks at the next exchange; all leave after it
            if (stop || (fail_at.load(std::memory_order_acquire) <= t && (!distributed || xstep))) break;
        }
        if (t == t1) t = t1 - 1;
        if (k == 0) last.store(t);
    };

    omp_set_dynamic(0);
    if (threads_ == 1) {
        body(0);
    } else {
        bool serial = false;
#pragma omp parallel num_threads(threads_)
        {
            if (omp_get_num_threads() == threads_) {
                body(omp_get_thread_num());
            } else {
#pragma omp single
                serial = true;
            }
        }
        if (serial) {
            // The runtime gave fewer threads than asked (e.g. nested inside another parallel region): run the
            // same phases for every part in order, one step at a time. Same results, no barrier needed.
            barrier_.reset(1);
            step_t t = t0;
            // under several processes a failure waits for the next exchange, which tells the other ranks (as above)
            bool failed = false;
            for (; t < t1; ++t) {
                if (!failed)
                    failed = !errs.guard(0, [&] {
                        for (int k = 0; k < threads_; ++k) step_phases(k, t);
                    });
                if (failed && !distributed) break;
                bool stop = false;
                const bool window_end = (t + 1) % check_every == 0 || t + 1 == t1;
                const bool xstep = distributed && (window_end || (t + 1) % exchange_every_ == 0);
                if (window_end && !failed)
                    for (int k = 0; k < threads_; ++k) flag_nan(k);
                if (xstep) {
                    bool other = true;
                    const step_t from = xfrom;
                    xfrom = t + 1;
                    const bool ok = errs.guard(0, [&] { other = exchange(from, t, window_end, failed); });
                    if (ok && other && !failed)
                        errs.guard(0, [&] { throw std::runtime_error("another MPI rank failed at step " + std::to_string(t)); });
                    if (!ok || other) failed = true;
                }
                if (failed) {
                    if (xstep) break;
                    continue;
                }
                if (window_end) stop = decide_stop(0, t, st);
                if (!errs.guard(0, [&] {
                        for (int k = 0; k < threads_; ++k) step_post(k, t);
                    })) {
                    failed = true;
                    if (!distributed) break;
                    continue;
                }
                if (stop) break;
            }
            if (t == t1) t = t1 - 1;
            last.store(t);
            barrier_.reset(threads_);
        }
    }
    // wind up; only a spike recorder's merge allocates, and one that fails keeps its buffers for the next merge
    now_ = last.load() + 1;
    restore_stim();
    std::exception_ptr merge_error;
    for (auto& sm : spike_mons_) {
        try {
            sm->merge();
        } catch (...) {
            if (!merge_error) merge_error = std::current_exception();
        }
    }
    for (auto& sm : state_mons_) sm->trim(now_);
    for (auto& wm : weight_mons_) wm->trim(now_);
    for (auto& rm : rate_mons_) rm->merge(now_);
    for (auto& pr : projs_)
        for (auto& r : pr->rules()) r->after_run();
    errs.rethrow();  // the loop's own error first
    if (merge_error) std::rethrow_exception(merge_error);
    return st;
}

StateDict Engine::save_state() const {
    StateDict d;
    put(d, "engine/now", std::vector<step_t>{now_});
    // window counters, summed over threads (thread-count independent)
    const std::size_t np = pops_.size();
    std::vector<std::int64_t> wc(2 * np, 0);
    const bool counted = win_counts_.size() == 2 * np * static_cast<std::size_t>(threads_) * kCountStride;  // else never run
    for (int par = 0; par < 2 && counted; ++par)
        for (std::size_t p = 0; p < np; ++p)
            for (int k = 0; k < threads_; ++k) wc[static_cast<std::size_t>(par) * np + p] += win_counts_[count_slot(par, p, k)];
    put(d, "engine/win_counts", wc);
    for (std::size_t p = 0; p < np; ++p) pops_[p]->save(d, "pop/" + std::to_string(p) + "/");
    for (std::size_t q = 0; q < projs_.size(); ++q) {
        auto& rules = projs_[q]->rules();
        for (std::size_t r = 0; r < rules.size(); ++r)
            rules[r]->save(d, "proj/" + std::to_string(q) + "/rule/" + std::to_string(r) + "/", *projs_[q]);
    }
    for (std::size_t q = 0; q < projs_.size(); ++q) {
        auto& rules = projs_[q]->structural();
        for (std::size_t r = 0; r < rules.size(); ++r)
            rules[r]->save(d, "proj/" + std::to_string(q) + "/structural/" + std::to_string(r) + "/", *projs_[q]);
        if (!rules.empty()) put(d, "proj/" + std::to_string(q) + "/structural_next", projs_[q]->structural_next());
    }
    {
        const LogColumns c = log_columns();
        put(d, "structlog/step", c.step);
        put(d, "structlog/kind", c.kind);
        put(d, "structlog/proj", c.proj);
        put(d, "structlog/pre", c.pre);
        put(d, "structlog/post", c.post);
        put(d, "structlog/w", c.w);
    }
    for (std::size_t m = 0; m < spike_mons_.size(); ++m) spike_mons_[m]->save(d, "spikemon/" + std::to_string(m) + "/");
    for (std::size_t m = 0; m < state_mons_.size(); ++m) state_mons_[m]->save(d, "statemon/" + std::to_string(m) + "/");
    for (std::size_t m = 0; m < weight_mons_.size(); ++m) weight_mons_[m]->save(d, "weightmon/" + std::to_string(m) + "/");
    for (std::size_t m = 0; m < rate_mons_.size(); ++m) rate_mons_[m]->save(d, "ratemon/" + std::to_string(m) + "/");
    return d;
}

void Engine::load_state(const StateDict& d) {
    now_ = take<step_t>(d, "engine/now").at(0);
    prepare();  // size rings and traces for this network before filling them
    const std::size_t np = pops_.size();
    auto wc = take<std::int64_t>(d, "engine/win_counts");
    win_counts_.assign(2 * np * static_cast<std::size_t>(threads_) * kCountStride, 0);
    for (std::size_t q = 0; q < wc.size() && q < 2 * np; ++q) win_counts_[count_slot(static_cast<int>(q / np), q % np, 0)] = wc[q];
    for (std::size_t p = 0; p < np; ++p) pops_[p]->load(d, "pop/" + std::to_string(p) + "/", now_);
    for (std::size_t q = 0; q < projs_.size(); ++q) {
        auto& rules = projs_[q]->rules();
        for (std::size_t r = 0; r < rules.size(); ++r)
            rules[r]->load(d, "proj/" + std::to_string(q) + "/rule/" + std::to_string(r) + "/", *projs_[q]);
    }
    for (std::size_t q = 0; q < projs_.size(); ++q) {
        auto& rules = projs_[q]->structural();
        for (std::size_t r = 0; r < rules.size(); ++r)
            rules[r]->load(d, "proj/" + std::to_string(q) + "/structural/" + std::to_string(r) + "/", *projs_[q]);
        if (!rules.empty()) projs_[q]->structural_next() = take<step_t>(d, "proj/" + std::to_string(q) + "/structural_next");
    }
    log_.clear();
    log_pending_.clear();
    if (has(d, "structlog/step")) {
        auto t = take<step_t>(d, "structlog/step");
        auto kind = take<std::uint8_t>(d, "structlog/kind");
        auto proj = take<std::int32_t>(d, "structlog/proj");
        auto pre = take<index_t>(d, "structlog/pre");
        auto post = take<index_t>(d, "structlog/post");
        auto w = take<float>(d, "structlog/w");
        for (std::size_t q = 0; q < t.size(); ++q) log_.push_back({t[q], kind[q], proj[q], pre[q], post[q], w[q]});
    }
    for (std::size_t m = 0; m < spike_mons_.size(); ++m)
        spike_mons_[m]->load(d, "spikemon/" + std::to_string(m) + "/", population(spike_mons_[m]->pop).size(), now_);
    for (std::size_t m = 0; m < state_mons_.size(); ++m) state_mons_[m]->load(d, "statemon/" + std::to_string(m) + "/", now_);
    for (std::size_t m = 0; m < weight_mons_.size(); ++m)
        weight_mons_[m]->load(d, "weightmon/" + std::to_string(m) + "/", projection(weight_mons_[m]->proj).size(), now_);
    for (std::size_t m = 0; m < rate_mons_.size(); ++m) rate_mons_[m]->load(d, "ratemon/" + std::to_string(m) + "/", now_);
    for (auto& pr : projs_) pr->invalidate_mirrors();  // the trace histories were replaced
    prepare();  // re-derive what the loaded monitors locate in the store (and the arrival copies of the traces)
}

void Engine::finish_load() { prepare(); }  // re-derive what the loaded recorders locate in the store

}  // namespace pyneuro
