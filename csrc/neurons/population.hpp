// Design notes: a population is a block of neurons of one model with structure-of-arrays state.
// - Each state variable is its own contiguous float array, registered by name (NEST's names: v, g_ex, g_in, ...),
//   so Python reads and writes them as numpy arrays and checkpoints walk the registry.
// - Synaptic input goes straight into a state array chosen by receptor ("exc" / "inh"), with a sign; delivery
//   adds sign * w to target[i] at the arrival step, before the neurons are integrated.
// - update(range, t, out) integrates the neurons of one thread's range over one step and appends the ids that
//   spiked, ascending. It touches only that range: threads own disjoint ranges.
// - Traces (see trace.hpp) hang off the population and are shared by all rules that use the same time constant.
// Thread safety: update() and on_spikes() are called concurrently for disjoint ranges; everything else runs
// between steps, single-threaded.
// - Neurogenesis: grow() appends neurons (ids old_n..new_n-1; existing ids and state untouched): every registered
//   variable gets the init value it was registered with, refractory counters and spike flags 0, traces an empty
//   history, positions the caller's; grow_extra() is the hook for model-specific arrays. Young neurons may carry a
//   plasticity gain that matures (see Maturation below).
#pragma once
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../core/partition.hpp"
#include "../core/philox.hpp"
#include "../core/types.hpp"
#include "../plasticity/rule.hpp"
#include "spike_ring.hpp"
#include "trace.hpp"

namespace pyneuro {

enum class Receptor : int { exc = 0, inh = 1 };

// Heightened plasticity of young (adult-born) neurons: gain_i(t) = 1 + boost_i exp(-(t - birth_i) / tau_i) (steps),
// exactly 1 once t - birth_i >= 30 tau_i (the boost has decayed below 1e-13 of itself) and for neurons never given a
// boost. Held by a population only once some neuron was added with a maturation; rules read it through
// Population::plasticity_gain (a null check when absent). Per neuron: 20 bytes.
struct Maturation {
    std::vector<step_t> birth;
    std::vector<float> boost;
    std::vector<double> tau;  // steps
    void resize(index_t n) {
        birth.resize(n, 0);
        boost.resize(n, 0.0f);
        tau.resize(n, 1.0);
    }
    double gain(index_t i, step_t t) const {
        const float b = boost[i];
        if (b == 0.0f) return 1.0;
        const double age = static_cast<double>(t - birth[i]);
        if (age >= 30.0 * tau[i]) return 1.0;
        return 1.0 + static_cast<double>(b) * std::exp(-age / tau[i]);
    }
};

// The indices of the nonzero bytes of an 8-byte word of flags read at base, ascending.
inline void push_flag_word(std::uint64_t word, index_t base, std::vector<index_t>& out) {
    while (word) {
        const int bit = __builtin_ctzll(word) & ~7;
        out.push_back(base + static_cast<index_t>(bit >> 3));
        word &= ~(std::uint64_t{0xff} << bit);
    }
}

// Appends every i in [b, e) whose flag is set, ascending. Tests the flags 256 at a time (four cache lines, one OR
// of 32 words), then walks the nonzero words of a block that has a spike by their set bytes: at a few
// Hz nearly every block is empty, and a spiking block costs one step per spike rather than one per neuron.
inline void collect_flags(const std::uint8_t* flag, index_t b, index_t e, std::vector<index_t>& out) {
    index_t i = b;
    for (; i < e && (i & 7u); ++i)
        if (flag[i]) out.push_back(i);
    for (; i + 256 <= e; i += 256) {
        std::uint64_t words[32], any = 0;
        std::memcpy(words, flag + i, sizeof words);
        for (int q = 0; q < 32; ++q) any |= words[q];
        if (any)
            for (int q = 0; q < 32; ++q)
                if (words[q]) push_flag_word(words[q], i + 8 * static_cast<index_t>(q), out);
    }
    for (; i + 8 <= e; i += 8) {
        std::uint64_t word;
        std::memcpy(&word, flag + i, 8);
        if (word) push_flag_word(word, i, out);
    }
    for (; i < e; ++i)
        if (flag[i]) out.push_back(i);
}

class Population {
public:
    Population(std::string kind, index_t n) : kind_(std::move(kind)), n_(n) {}
    virtual ~Population() = default;
    Population(const Population&) = delete;
    Population& operator=(const Population&) = delete;

    const std::string& kind() const { return kind_; }
    index_t size() const { return n_; }
    int id() const { return id_; }
    void set_id(int id) { id_ = id; }

    // Model interface -------------------------------------------------------------------------------------------
    virtual void prepare(double dt) = 0;  // lower time constants to per-step propagators
    virtual void update(Range r, step_t t, const Philox& rng, std::vector<index_t>& out) = 0;
    // True for populations whose spikes are given, not integrated (sources): input to them is ignored and the
    // runaway-rate check skips them.
    virtual bool is_source() const { return false; }
    // Shortest possible interval between two spikes of one neuron, in steps (sizes trace histories).
    virtual int min_isi_steps() const { return 1; }
    // Where receptor input lands; nullptr means the input is ignored (sources).
    virtual float* input(Receptor r, float& sign) = 0;
    // Whether NEST's time convention delays this model's input to the end of the step (true for models whose input
    // NEST adds after the state update; false for a model that, like NEST's, folds the step's input in before its
    // threshold test).
    virtual bool lags_input() const { return true; }
    // Where deliveries of `receptor` go: the model's input array, or (lagged, the NEST time convention) a buffer
    // whose contents flush_lagged() adds to that array after the neurons' update of the step, so an arrival of step t
    // acts from step t + 1 on, as NEST's ring buffers do. nullptr: the input is ignored (sources).
    float* delivery_target(Receptor r, float& sign, bool lagged) {
        float* real = input(r, sign);
        if (!lagged || !real || !lags_input()) return real;
        auto& buf = lagged_[static_cast<std::size_t>(r)];
        if (buf.size() != n_) buf.resize(n_, 0.0f);
        return buf.data();
    }
    // Add the lagged arrivals of neurons [R.begin, R.end) to the model's inputs and clear them (thread k's range).
    // Nothing to do when the model's update already did it (folds_lagged).
    void flush_lagged(Range R) {
        if (folds_lagged()) return;
        for (std::size_t r = 0; r < lagged_.size(); ++r) {
            auto& buf = lagged_[r];
            if (buf.empty()) continue;
            float sign = 1.0f;
            float* real = input(static_cast<Receptor>(r), sign);
            for (index_t i = R.begin; i < R.end; ++i) {
                real[i] += buf[i];
                buf[i] = 0.0f;
            }
        }
    }
    bool has_lagged() const { return !lagged_[0].empty() || !lagged_[1].empty(); }
    // True when update() itself adds the lagged arrivals to the inputs and clears them, in its loop over the neurons
    // (the same float addition after the step's decay as flush_lagged, without a second pass over the arrays).
    virtual bool folds_lagged() const { return false; }
    bool lagged_on(Receptor r) const { return !lagged_[static_cast<std::size_t>(r)].empty(); }
    // The lagged buffer of receptor r (nullptr when there is none), for models that fold it.
    float* lagged_buffer(Receptor r) {
        auto& buf = lagged_[static_cast<std::size_t>(r)];
        return buf.empty() ? nullptr : buf.data();
    }

    // Whether current inputs drive the stimulus current I_stim during the coming run (set by the engine before
    // prepare(): a model then integrates I_stim even while it is all zero between runs).
    void set_stim_driven(bool on) { stim_driven_ = on; }
    bool stim_driven() const { return stim_driven_; }

    // Which state variable the NaN check watches.
    virtual const char* primary_var() const { return "v"; }
    // Called before every run, at step t (sources whose upcoming spikes must be re-drawn, because rates were set or
    // the clock moved, do it here).
    virtual void on_clock(step_t /*t*/, const Philox& /*rng*/) {}
    // State variable `var` was set from outside for every neuron, between runs (work may wait for on_clock).
    virtual void on_set(const std::string& /*var*/) {}
    // State variable `var` of neurons [b, e) was set from outside at step `now`, between runs.
    virtual void on_set_slice(const std::string& /*var*/, index_t /*b*/, index_t /*e*/, step_t /*now*/, const Philox& /*rng*/) {}
    // Neurogenesis: neurons [old_n, new_n) were added at step `now` (after grow(); their state is initialised).
    virtual void on_added(index_t /*old_n*/, index_t /*new_n*/, step_t /*now*/, const Philox& /*rng*/) {}
    // Spikes given in advance (steps, neuron indices) for models that emit them; false for the others.
    virtual bool set_events(std::vector<step_t> /*steps*/, std::vector<index_t> /*idx*/) { return false; }
    // Divergence check: true when a state variable of neurons [r.begin, r.end) is NaN (the primary one by default).
    virtual bool has_nan(Range r) {
        const char* name = primary_var();
        if (name[0] == '\0' || is_source()) return false;
        const float* x = var(name)->data();
        std::uint8_t bad = 0;
        for (index_t i = r.begin; i < r.end; ++i) bad |= static_cast<std::uint8_t>(!(x[i] == x[i]));
        return bad != 0;
    }
    // Neurogenesis hook: the model's own per-neuron arrays (beyond the registered ones), resized from old_n to new_n
    // (grown; or cut back to new_n < old_n when a growth failed part-way).
    virtual void grow_extra(index_t /*old_n*/, index_t /*new_n*/) {}
    // Model-specific checkpoint state beyond the registered float/int arrays.
    virtual void save_extra(StateDict& /*d*/, const std::string& /*prefix*/) const {}
    virtual void load_extra(const StateDict& /*d*/, const std::string& /*prefix*/, step_t /*now*/) {}

    // State registry --------------------------------------------------------------------------------------------
    std::vector<std::string> var_names() const {
        std::vector<std::string> out;
        for (const auto& v : fvars_) out.push_back(v.first);
        return out;
    }
    avector<float>* var(const std::string& name) {
        for (auto& v : fvars_)
            if (v.first == name) return v.second;
        return nullptr;
    }
    avector<std::int32_t>& refractory() { return refr_; }
    // Set state variable `name` to one value per neuron (between runs).
    void assign(const std::string& name, const std::vector<float>& x) {
        auto* v = var(name);
        if (!v) throw ArgumentError("unknown state variable '" + name + "'");
        if (x.size() != v->size())
            throw ArgumentError("wrong number of values for '" + name + "': " + std::to_string(x.size()) + " for " +
                                std::to_string(v->size()) + " neurons");
        v->assign(x.begin(), x.end());
        on_set(name);
    }

    // Traces ----------------------------------------------------------------------------------------------------
    SpikeTrace& trace(double tau, TraceMode mode) {
        for (auto& tr : traces_)
            if (tr->tau() == tau && tr->mode() == mode) return *tr;
        traces_.push_back(std::make_unique<SpikeTrace>(tau, mode));
        return *traces_.back();
    }
    std::vector<std::unique_ptr<SpikeTrace>>& traces() { return traces_; }
    // Longest window over which a trace is read in the past (the longest delay of plastic projections from here).
    int trace_window = 0;

    // Record the spikes of one thread's step in the traces (called right after update by the same thread).
    void on_spikes(const std::vector<index_t>& ids, step_t t) {
        for (auto& tr : traces_)
            for (index_t i : ids) tr->on_spike(i, t);
    }

    // Positions (structural plasticity: distance-dependent growth, sprouting reach, lesions by region): n x dim,
    // row-major; empty when not set.
    void set_positions(std::vector<float> xyz, int dim) {
        positions_ = std::move(xyz);
        dim_ = dim;
    }
    const std::vector<float>& positions() const { return positions_; }
    int position_dim() const { return dim_; }
    bool has_positions() const { return !positions_.empty(); }
    // squared distance between neuron i of this population and neuron j of `other` (same dimension)
    double dist2(index_t i, const Population& other, index_t j) const {
        double s = 0.0;
        for (int c = 0; c < dim_; ++c) {
            const double d = static_cast<double>(positions_[static_cast<std::size_t>(i) * dim_ + c]) -
                             other.positions_[static_cast<std::size_t>(j) * other.dim_ + c];
            s += d * d;
        }
        return s;
    }

    // Lesions: a per-neuron mask, empty while no neuron is lesioned. A lesioned (silenced) neuron's spikes are
    // dropped right after update() (Engine::integrate), before traces, rules, monitors and the spike ring see them,
    // so it never spikes again; its state variables may keep integrating (nothing else is clamped). Ids at or
    // beyond the mask's size (e.g. neurons added later) are not lesioned.
    void lesion(const std::vector<index_t>& ids) {
        for (index_t i : ids)
            if (i >= n_) throw ArgumentError("lesion: neuron id out of range");
        if (lesioned_.size() < n_) lesioned_.resize(n_, 0);
        for (index_t i : ids) lesioned_[i] = 1;
    }
    bool lesioned(index_t i) const { return i < lesioned_.size() && lesioned_[i] != 0; }
    bool has_lesions() const { return !lesioned_.empty(); }
    const std::vector<std::uint8_t>& lesion_mask() const { return lesioned_; }
    // The mask over every neuron (1 = lesioned).
    std::vector<std::uint8_t> lesion_flags() const {
        std::vector<std::uint8_t> out(n_, 0);
        std::copy_n(lesioned_.begin(), std::min<std::size_t>(lesioned_.size(), n_), out.begin());
        return out;
    }
    // Drop the lesioned ids from one thread's spikes of a step, keeping them ascending.
    void drop_lesioned(std::vector<index_t>& out) const {
        if (lesioned_.empty() || out.empty()) return;
        out.erase(std::remove_if(out.begin(), out.end(), [this](index_t i) { return lesioned(i); }), out.end());
    }

    // Snapshots of state variables for readers on other threads (user rules reading a presynaptic `<var>_pre`):
    // after the update of step t, thread k copies its range of each snapshotted variable into slot (t + 1) % 3,
    // which readers use during step t + 1 (delivery, the post phase, ticks). Three slots because a thread may
    // integrate step t + 1 (writing slot (t + 2) % 3) while another is still in the post phase of step t (reading
    // slot t % 3), and slot (t + 1) % 3 is read during step t + 1. Between runs reset_snapshots() refills them.
    int snapshot_index(const std::string& name) {
        for (std::size_t q = 0; q < snaps_.size(); ++q)
            if (snaps_[q].name == name) return static_cast<int>(q);
        if (!var(name)) return -1;
        snaps_.push_back(Snapshot{name, {}});
        return static_cast<int>(snaps_.size()) - 1;
    }
    const float* snapshot(int q, step_t t) const { return snaps_[static_cast<std::size_t>(q)].slot[static_cast<std::size_t>(t % 3)].data(); }
    void take_snapshots(Range r, step_t t) {
        for (auto& sn : snaps_) {
            const float* src = var(sn.name)->data();
            std::copy(src + r.begin, src + r.end, sn.slot[static_cast<std::size_t>((t + 1) % 3)].begin() + r.begin);
        }
    }
    void reset_snapshots() {
        for (auto& sn : snaps_) {
            const avector<float>& src = *var(sn.name);
            for (auto& slot : sn.slot) slot.assign(src.begin(), src.end());
        }
    }

    // Neuron rules (intrinsic plasticity), applied in list order.
    std::vector<std::unique_ptr<NeuronRule>>& neuron_rules() { return nrules_; }

    SpikeRing& ring() { return ring_; }
    const SpikeRing& ring() const { return ring_; }

    // Neurogenesis (between runs): append new_n - size() neurons. new_positions: (new_n - size()) x dim when the
    // population has positions, else empty. Checks everything before changing anything; if an allocation fails
    // part-way, every array is cut back to the old size (shrinking never allocates but for the traces, whose
    // re-layout is itself all-or-nothing) and the exception propagates: the population is unchanged.
    void grow(index_t new_n, const std::vector<float>& new_positions) {
        if (new_n <= n_) throw ArgumentError("add_neurons: n must be >= 1");
        const std::size_t added = static_cast<std::size_t>(new_n - n_);
        if (has_positions() ? new_positions.size() != added * static_cast<std::size_t>(dim_) : !new_positions.empty())
            throw ArgumentError("add_neurons: positions must be given exactly when the population has positions");
        const index_t old = n_;
        try {
            resize_all(old, new_n, new_positions);
        } catch (...) {
            resize_all(new_n, old, {});
            throw;
        }
    }
    // Young neurons [b, e): born at step `birth`, gain 1 + boost exp(-(t - birth) / tau_steps).
    void set_maturation(index_t b, index_t e, step_t birth, float boost, double tau_steps) {
        if (!mat_) {
            mat_ = std::make_unique<Maturation>();
            mat_->resize(n_);
        }
        for (index_t i = b; i < e && i < n_; ++i) {
            mat_->birth[i] = birth;
            mat_->boost[i] = boost;
            mat_->tau[i] = tau_steps;
        }
    }
    const Maturation* maturation() const { return mat_.get(); }
    // Plasticity gain of neuron i at step t (1 without maturation).
    double plasticity_gain(index_t i, step_t t) const { return mat_ ? mat_->gain(i, t) : 1.0; }
    std::vector<double> plasticity_gains(step_t t) const {
        std::vector<double> g(n_);
        for (index_t i = 0; i < n_; ++i) g[i] = plasticity_gain(i, t);
        return g;
    }

    void save(StateDict& d, const std::string& prefix) const {
        for (const auto& v : fvars_) put(d, prefix + "var/" + v.first, *v.second);
        put(d, prefix + "refractory", refr_);
        ring_.save(d, prefix);
        for (std::size_t k = 0; k < traces_.size(); ++k) traces_[k]->save(d, prefix + "trace" + std::to_string(k) + "/");
        for (std::size_t k = 0; k < nrules_.size(); ++k) nrules_[k]->save(d, prefix + "nrule/" + std::to_string(k) + "/");
        if (has_positions()) {
            put(d, prefix + "positions", positions_);
            put(d, prefix + "position_dim", std::vector<std::int32_t>{dim_});
        }
        if (has_lesions()) put(d, prefix + "lesioned", lesioned_);
        for (std::size_t r = 0; r < lagged_.size(); ++r)
            if (!lagged_[r].empty()) put(d, prefix + "lagged" + std::to_string(r), lagged_[r]);
        if (mat_) {
            put(d, prefix + "maturation/birth", mat_->birth);
            put(d, prefix + "maturation/boost", mat_->boost);
            put(d, prefix + "maturation/tau", mat_->tau);
        }
        save_extra(d, prefix);
    }
    // Checked against this population (n neurons) at step `now`; see require() in types.hpp.
    void load(const StateDict& d, const std::string& prefix, step_t now) {
        for (auto& v : fvars_) {
            const std::string key = prefix + "var/" + v.first;
            if (!has(d, key)) continue;  // a variable newer than the checkpoint keeps its value
            auto x = take_n<float>(d, key, n_);
            require_finite(x, key);
            v.second->assign(x.begin(), x.end());
        }
        auto r = take_n<std::int32_t>(d, prefix + "refractory", n_);
        require_range(r, prefix + "refractory", 0, 0x7FFFFFFF);
        refr_.assign(r.begin(), r.end());
        ring_.load(d, prefix, n_, now);
        for (std::size_t k = 0; k < traces_.size(); ++k) traces_[k]->load(d, prefix + "trace" + std::to_string(k) + "/", n_, now);
        for (std::size_t k = 0; k < nrules_.size(); ++k) nrules_[k]->load(d, prefix + "nrule/" + std::to_string(k) + "/");
        if (has(d, prefix + "positions") || has(d, prefix + "position_dim")) {
            const int dim = take_n<std::int32_t>(d, prefix + "position_dim", 1)[0];
            require(dim >= 1 && dim <= 3, prefix + "position_dim", "must be 1, 2 or 3, got " + std::to_string(dim));
            auto xyz = take_n<float>(d, prefix + "positions", static_cast<std::size_t>(n_) * static_cast<std::size_t>(dim));
            require_finite(xyz, prefix + "positions");
            set_positions(std::move(xyz), dim);
        }
        for (std::size_t r = 0; r < lagged_.size(); ++r) {  // in-flight arrivals of the NEST time convention
            const std::string key = prefix + "lagged" + std::to_string(r);
            if (!has(d, key)) {
                std::fill(lagged_[r].begin(), lagged_[r].end(), 0.0f);
                continue;
            }
            auto x = take_n<float>(d, key, n_);
            require_finite(x, key);
            lagged_[r].assign(x.begin(), x.end());
        }
        lesioned_.clear();  // a missing key means no lesions
        if (has(d, prefix + "lesioned")) {
            auto m = take<std::uint8_t>(d, prefix + "lesioned");
            require(m.size() <= n_, prefix + "lesioned", "more flags than neurons");
            require_range(m, prefix + "lesioned", 0, 1);
            lesioned_ = std::move(m);
        }
        mat_.reset();
        if (has(d, prefix + "maturation/birth")) {
            auto m = std::make_unique<Maturation>();
            m->birth = take_n<step_t>(d, prefix + "maturation/birth", n_);
            m->boost = take_n<float>(d, prefix + "maturation/boost", n_);
            m->tau = take_n<double>(d, prefix + "maturation/tau", n_);
            require_range(m->birth, prefix + "maturation/birth", 0, now);
            require_finite(m->boost, prefix + "maturation/boost", 0.0);
            require_finite(m->tau, prefix + "maturation/tau", 1e-300);
            mat_ = std::move(m);
        }
        load_extra(d, prefix, now);
    }

protected:
    // Every per-neuron array from from_n to to_n neurons (growing: new neurons get their init values).
    void resize_all(index_t from_n, index_t to_n, const std::vector<float>& new_positions) {
        for (std::size_t k = 0; k < fvars_.size(); ++k) fvars_[k].second->resize(to_n, finit_[k]);
        refr_.resize(to_n, 0);
        if (!flag_.empty()) flag_.resize(to_n, 0);
        for (auto& b : lagged_)
            if (!b.empty()) b.resize(to_n, 0.0f);
        for (auto& tr : traces_) tr->resize(to_n);
        if (has_positions()) {
            if (to_n > from_n) positions_.insert(positions_.end(), new_positions.begin(), new_positions.end());
            else positions_.resize(static_cast<std::size_t>(to_n) * static_cast<std::size_t>(dim_));
        }
        if (mat_) mat_->resize(to_n);
        n_ = to_n;
        grow_extra(from_n, to_n);
        for (auto& nr : nrules_) nr->on_grow(to_n);
    }
    void reg(const std::string& name, avector<float>& v, float init) {
        v.assign(n_, init);
        fvars_.emplace_back(name, &v);
        finit_.push_back(init);  // what neurons added later (grow) start with
    }
    static int steps_of(double ms, double dt) { return static_cast<int>(std::llround(ms / dt)); }

    std::string kind_;
    index_t n_;
    int id_ = -1;
    std::vector<std::pair<std::string, avector<float>*>> fvars_;
    std::vector<float> finit_;  // init value of each registered variable
    avector<std::int32_t> refr_;
    avector<std::uint8_t> flag_;  // scratch: spiked in this step (models with vectorised kernels)
    std::vector<std::unique_ptr<SpikeTrace>> traces_;
    std::vector<std::unique_ptr<NeuronRule>> nrules_;
    std::vector<float> positions_;
    int dim_ = 0;
    std::vector<std::uint8_t> lesioned_;  // 1 = lesioned; empty when none
    SpikeRing ring_;
    struct Snapshot {
        std::string name;
        std::array<avector<float>, 3> slot;
    };
    std::vector<Snapshot> snaps_;
    std::unique_ptr<Maturation> mat_;
    bool stim_driven_ = false;
    std::array<std::vector<float>, 2> lagged_;  // per receptor: arrivals waiting for the end of the step (NEST time)
};

}  // namespace pyneuro
