// Design notes: synaptic rules compiled from user definitions (pyneuro.plasticity.Custom).
// Split across the plugin boundary:
// - CustomRule (compiled into the core) is an ordinary Rule: it owns the bookkeeping that allocates or may fail
//   (traces asked of the populations, per-synapse columns, per-neuron variables, checkpoints, NaN checks) and reads
//   the rule's numbers from the parameter map. Its names come from the kernel's spec().
// - A RuleKernel (compiled into the user's library) holds only the per-event work: CustomKernel<Body> below walks
//   the synapses with the loops every built-in rule uses (post_loop.hpp) and calls the generated Body's inline
//   functions on_pre / on_post / on_tick / neuron. Kernel calls are noexcept and never allocate, so no exception
//   and no allocation crosses the library boundary.
// - An on_post that is the commonest post-spike update, `if x != 0: w = clip(w + F x, lo, hi)` with x a presynaptic
//   trace and F, lo, hi of one value for the whole walk (parameters, postsynaptic traces and variables: the pair and
//   triplet rules' LTP; the code generator recognises it: Body::post_add_trace >= 0), runs the
//   built-in rules' own walk, post_add_clipped (vectorised with AVX-512 where the CPU has it), while eta == 1 and
//   lo <= hi: per synapse the same IEEE operations as the generated body, so the same weights bit for bit.
// Semantics (the user documentation states them once, in the README):
// - Traces: postsynaptic ones through SpikeTrace::value_now (the calling thread's neurons), presynaptic ones in the
//   post-major loops through PreTraceReader (the shard's arrival copies for a single-delay projection).
// - on_pre(t): a presynaptic spike arrives at the synapse at step t = emission + delay; presynaptic traces are read
//   at the arrival time just before the arriving spike's own jump, postsynaptic ones at t (this step's
//   postsynaptic spikes come later). on_post(t): the postsynaptic neuron fired at t; postsynaptic traces are read
//   just before its own jump, presynaptic ones at t - delay including a spike arriving at t (arrivals precede the
//   step's postsynaptic spikes). on_tick(t): every `interval` steps after the postsynaptic half of step t, for every
//   synapse, traces read as in on_post but including the step's spikes on both sides.
// - A body may be one guard `if condition:` (reading neither w nor synapse variables) over its statements: a synapse
//   whose condition is false is not touched (its weight and variables are neither read nor written).
// - Within a body every value is a double; the weight and the synapse variables are stored as float32 when the body
//   ends. A schedule scales the body's change of the weight: w <- w0 + eta (w1 - w0) (w1 itself while eta == 1).
// - A synapse variable with a time constant decays exponentially between the events that touch its synapse
//   (lazily: each touch brings every decaying variable of the synapse to t, then runs the body), counted from the
//   synapse's first touch. Its last update step is kept in two extra float columns (the 64 bits of the step + 1).
// - Rule neuron variables (per postsynaptic neuron) are advanced by Body::neuron right after the population's update
//   of each step, from the neuron's new state; bodies read them.
// Thread safety: as for every rule (rule.hpp): thread k touches shard k and its own postsynaptic neurons only.
#pragma once
#include <array>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "../synapses/projection.hpp"
#include "post_loop.hpp"
#include "rule.hpp"

// PYNEURO_INLINE (post_loop.hpp) forces inlining of the small helpers and lambdas of CustomKernel.

namespace pyneuro {

// exp(-k dt / tau) for whole steps k, from a table below 30 tau (0 beyond, below 1e-13).
struct DecayTable {
    std::vector<double> f;
    void configure(double tau_ms, double dt) {
        f.clear();
        if (!(tau_ms > 0.0)) return;
        const double want = std::ceil(30.0 * tau_ms / dt) + 1.0;
        const std::size_t len = want > 65536.0 ? 65536 : static_cast<std::size_t>(want);
        f.resize(len);
        for (std::size_t q = 0; q < len; ++q) f[q] = std::exp(-static_cast<double>(q) * dt / tau_ms);
        tail_zero = want <= 65536.0;
        tau = tau_ms;
        h = dt;
    }
    double at(step_t k) const {
        if (static_cast<std::size_t>(k) < f.size()) return f[static_cast<std::size_t>(k)];
        return tail_zero ? 0.0 : std::exp(-static_cast<double>(k) * h / tau);
    }
    bool tail_zero = true;
    double tau = 1.0, h = 0.1;
};

// The names a compiled rule declares; numbers arrive in the parameter map (see CustomRule).
struct CustomRuleSpec {
    int n_params;
    const char* const* params;      // values: p[name]
    int n_traces;
    const char* const* traces;      // tau: p["trace:" + name]
    const int* trace_side;          // 0 presynaptic, 1 postsynaptic
    const int* trace_mode;          // TraceMode
    int n_syn;
    const char* const* syn;         // initial value p["syn:" + name]; time constant p["syn_tau:" + name] (0: none)
    int n_neuron;
    const char* const* neuron;      // initial value p["neuron:" + name]; delay of the bodies' reads p["neuron_delay:" + name] (ms)
    int n_post_vars;
    const char* const* post_vars;   // state variables of the postsynaptic population read by the bodies
    int n_pre_vars;
    const char* const* pre_vars;    // state variables of the presynaptic population (read from its snapshots)
    bool has_pre, has_post, has_tick, has_neuron;
};

// Plain data a kernel reads, filled by CustomRule at attach time.
struct RuleView {
    const double* params = nullptr;
    const SpikeTrace* const* traces = nullptr;
    const int* cols = nullptr;             // column of each synapse variable
    const DecayTable* decay = nullptr;     // per synapse variable (empty: no decay)
    int col_last = -1;                     // first of the two columns of the last update step; -1: nothing decays
    float* const* neuron = nullptr;        // rule neuron variables (postsynaptic population size)
    const int* neuron_delay = nullptr;     // per neuron variable: D, the steps by which the bodies' reads lag (0: none)
    const float* const* neuron_hist = nullptr;  // where D > 0: the values after the updates of the last D + 1 steps,
                                                // neuron i's at [i (D + 1) + step mod (D + 1)]
    float* const* post_vars = nullptr;     // postsynaptic state variables
    const Population* pre = nullptr;       // presynaptic population (its snapshots of pre_vars)
    const int* pre_snap = nullptr;         // snapshot index of each presynaptic variable
    double dt = 0.1;
};

class RuleKernel {
public:
    virtual ~RuleKernel() = default;
    virtual const CustomRuleSpec& spec() const noexcept = 0;
    virtual void on_pre(const RuleView& v, const Projection& p, Shard& s, index_t pre, std::uint64_t b, std::uint64_t e,
                        step_t t, double eta) const noexcept = 0;
    virtual void on_post(const RuleView& v, const Projection& p, Shard& s, index_t post, std::uint64_t pb, std::uint64_t pe,
                         step_t t, double eta) const noexcept = 0;
    virtual void on_tick(const RuleView& v, const Projection& p, Shard& s, step_t t, double eta) const noexcept = 0;
    virtual void neuron(const RuleView& v, Range r, step_t t) const noexcept = 0;
};

// The weight after a body changed it from w0 to w1, under the schedule factor eta.
inline float scaled_weight(double w0, double w1, double eta) {
    return static_cast<float>(eta == 1.0 ? w1 : w0 + eta * (w1 - w0));
}

// The values a body sees (its variables are members; arrays sized at least 1).
template <int NP, int NT, int NS, int NN, int NV, int NU>
struct RuleValues {
    double w = 0.0;
    double tr[NT > 0 ? NT : 1] = {};
    double s[NS > 0 ? NS : 1] = {};
    double n[NN > 0 ? NN : 1] = {};
    double v[NV > 0 ? NV : 1] = {};
    double u[NU > 0 ? NU : 1] = {};  // presynaptic state (snapshots)
    double p[NP > 0 ? NP : 1] = {};  // the parameters, copied once per event (registers in the synapse loop)
    double t = 0.0, dt = 0.1, eta = 1.0;
};

// The presynaptic trace readers of the post-major loops, chosen once per call so that the loop carries no branch on
// the storage: the shard's arrival copies (a single-delay projection, Projection::mirror_pre_trace), else the trace's
// history. The same values as PreTraceReader (post_loop.hpp), bit for bit.
struct CopiedPreTrace {
    const SpikeTrace::Entry* arr = nullptr;
    SpikeTrace::View v{};
    PYNEURO_INLINE double value(index_t j, step_t tp) const {
        const SpikeTrace::Entry& e = arr[j];
        return e.val * v.decay(tp - e.step);
    }
    PYNEURO_INLINE void prefetch(index_t j) const { __builtin_prefetch(&arr[j]); }
};
struct HistoryPreTrace {
    const SpikeTrace* tr = nullptr;
    PYNEURO_INLINE double value(index_t j, step_t tp) const { return tr->value_at(j, tp); }
    PYNEURO_INLINE void prefetch(index_t j) const { tr->prefetch(j); }
};

// A kernel around a generated Body. Body declares (all constexpr) n_params, n_traces, n_syn, n_neuron, n_post_vars,
// trace_side[q] (0 pre / 1 post), and per event E in {pre, post, tick}: E_traces / E_syn_read / E_syn_write /
// E_neuron / E_post_vars (bit masks of what the body reads or writes), E_writes_w; `decaying` (mask of synapse
// variables with a time constant); and the inline functions on_pre / on_post / on_tick (X&) and neuron.
template <class Body>
class CustomKernel final : public RuleKernel {
public:
    using X = RuleValues<Body::n_params, Body::n_traces, Body::n_syn, Body::n_neuron, Body::n_post_vars,
                         Body::n_pre_vars>;
    using Snap = std::array<const float*, (Body::n_pre_vars > 0 ? Body::n_pre_vars : 1)>;
    const CustomRuleSpec& spec() const noexcept override { return Body::spec(); }

    // Each event runs a loop specialised for eta == 1 (no schedule: the weight is the body's, no per-synapse test)
    // or for any eta (scaled_weight): the same numbers either way.
    void on_pre(const RuleView& V, const Projection& p, Shard& s, index_t pre, std::uint64_t b, std::uint64_t e, step_t t,
                double eta) const noexcept override {
        if constexpr (Body::has_pre) {
            if (eta == 1.0) pre_impl<true>(V, p, s, pre, b, e, t, eta);
            else pre_impl<false>(V, p, s, pre, b, e, t, eta);
        }
    }
    void on_post(const RuleView& V, const Projection& p, Shard& s, index_t post, std::uint64_t pb, std::uint64_t pe, step_t t,
                 double eta) const noexcept override {
        if constexpr (Body::has_post) {
            if (eta == 1.0) post_impl<true>(V, p, s, post, pb, pe, t, eta);
            else post_impl<false>(V, p, s, post, pb, pe, t, eta);
        }
    }
    void on_tick(const RuleView& V, const Projection& p, Shard& s, step_t t, double eta) const noexcept override {
        if constexpr (Body::has_tick) {
            if (eta == 1.0) tick_impl<true>(V, p, s, t, eta);
            else tick_impl<false>(V, p, s, t, eta);
        }
    }

    template <bool One>
    void pre_impl(const RuleView& V, const Projection& p, Shard& s, index_t pre, std::uint64_t b, std::uint64_t e, step_t t,
                  double eta) const noexcept {
        {
            X x;
            init(x, V, t, eta);
            const step_t tp = t - static_cast<step_t>(s.pd[b] >> p.post_bits());  // one delay per call
            for_traces<0>(Body::pre_traces, [&](int q) { x.tr[q] = V.traces[q]->value_at(pre, tp, true); });
            load_pre(x, snaps(V, t), pre, Body::pre_pre_vars);
            SpikeTrace::View vw[kReaders];  // the postsynaptic traces' arrays, loaded once per call
            for_traces<1>(Body::pre_traces, [&](int q) { vw[q] = V.traces[q]->view(); });
            for_each_arrival(
                p, s, b, e,
                [&](index_t i) PYNEURO_INLINE {
                    for_traces<1>(Body::pre_traces, [&](int q) PYNEURO_INLINE { vw[q].prefetch(i); });
                },
                [&](std::uint64_t k, index_t i) PYNEURO_INLINE {
                    X y = x;  // the row's values; a local copy per synapse stays in registers
                    for_traces<1>(Body::pre_traces, [&](int q) PYNEURO_INLINE { y.tr[q] = vw[q].value_now(i, t); });
                    load_post(y, V, i, Body::pre_post_vars, Body::pre_neuron, t);
                    if constexpr (Body::guarded_pre)
                        if (!Body::guard_pre(y)) return;  // the guard is false: the synapse is not touched
                    touch<One>(y, V, s, k, t, Body::pre_syn_read, Body::pre_syn_write, Body::pre_writes_w,
                          [](X& z) { Body::on_pre(z); });
                });
        }
    }

    template <bool One>
    void post_impl(const RuleView& V, const Projection& p, Shard& s, index_t post, std::uint64_t pb, std::uint64_t pe, step_t t,
                   double eta) const noexcept {
        {
            X x;
            init(x, V, t, eta);
            for_traces<1>(Body::post_traces, [&](int q) { x.tr[q] = V.traces[q]->value_now(post, t, true); });
            load_post(x, V, post, Body::post_post_vars, Body::post_neuron, t);
            if constexpr (One && Body::post_add_trace >= 0) {
                // the body is the shared walk's update (post_loop.hpp): the built-in rules' loop, vectorised where
                // the CPU allows, the same numbers per synapse
                double fac, lo, hi;
                Body::post_add_terms(x, fac, lo, hi);
                if (lo <= hi && post_add_clipped(p, s, pb, pe, t, *V.traces[Body::post_add_trace], fac, lo, hi)) return;
            }
            const Snap sn = snaps(V, t);
            auto loop = [&](const auto* rd) PYNEURO_INLINE {
                for_each_post_synapse_at(
                    p, s, pb, pe, t,
                    [&](index_t j) PYNEURO_INLINE {
                        for_traces<0>(Body::post_traces, [&](int q) PYNEURO_INLINE { rd[q].prefetch(j); });
                    },
                    [&](std::uint32_t k, index_t j, step_t tp) PYNEURO_INLINE {
                        X y = x;  // the neuron's values; a local copy per synapse stays in registers
                        for_traces<0>(Body::post_traces, [&](int q) PYNEURO_INLINE { y.tr[q] = rd[q].value(j, tp); });
                        load_pre(y, sn, j, Body::post_pre_vars);
                        if constexpr (Body::guarded_post)
                            if (!Body::guard_post(y)) return;
                        touch<One>(y, V, s, k, t, Body::post_syn_read, Body::post_syn_write, Body::post_writes_w,
                              [](X& z) { Body::on_post(z); });
                    });
            };
            with_pre_readers(V, p, s, Body::post_traces, loop);
        }
    }

    template <bool One>
    void tick_impl(const RuleView& V, const Projection& p, Shard& s, step_t t, double eta) const noexcept {
        {
            X x;
            init(x, V, t, eta);
            const Snap sn = snaps(V, t);
            auto loop = [&](const auto* rd) PYNEURO_INLINE {
                for (index_t li = 0; li < s.posts.size(); ++li) {
                    const std::uint64_t pb = s.pm_ptr[li], pe = s.pm_end[li];
                    if (pb == pe) continue;
                    const index_t i = s.posts.begin + li;
                    for_traces<1>(Body::tick_traces, [&](int q) { x.tr[q] = V.traces[q]->value_now(i, t); });
                    load_post(x, V, i, Body::tick_post_vars, Body::tick_neuron, t);
                    for_each_post_synapse_at(
                        p, s, pb, pe, t,
                        [&](index_t j) PYNEURO_INLINE {
                            for_traces<0>(Body::tick_traces, [&](int q) PYNEURO_INLINE { rd[q].prefetch(j); });
                        },
                        [&](std::uint32_t k, index_t j, step_t tp) PYNEURO_INLINE {
                            X y = x;
                            for_traces<0>(Body::tick_traces, [&](int q) PYNEURO_INLINE { y.tr[q] = rd[q].value(j, tp); });
                            load_pre(y, sn, j, Body::tick_pre_vars);
                            if constexpr (Body::guarded_tick)
                                if (!Body::guard_tick(y)) return;
                            touch<One>(y, V, s, k, t, Body::tick_syn_read, Body::tick_syn_write, Body::tick_writes_w,
                                  [](X& z) { Body::on_tick(z); });
                        });
                }
            };
            with_pre_readers(V, p, s, Body::tick_traces, loop);
        }
    }

    void neuron(const RuleView& V, Range r, step_t t) const noexcept override {
        if constexpr (Body::n_neuron > 0) Body::neuron(V, r, static_cast<double>(t) * V.dt);
    }

private:
    static constexpr int kReaders = Body::n_traces > 0 ? Body::n_traces : 1;
    // f(readers) with the presynaptic traces of `mask` read from the arrival copies when every one has them, else
    // from the histories: one branch per call, none per synapse
    template <class F>
    PYNEURO_INLINE static void with_pre_readers(const RuleView& V, const Projection& p, const Shard& s, std::uint32_t mask,
                                                F&& f) {
        bool copied = true;
        for_traces<0>(mask, [&](int q) { copied = copied && p.mirror_index(*V.traces[q]) >= 0; });
        if (copied) {
            CopiedPreTrace rd[kReaders];
            for_traces<0>(mask, [&](int q) {
                const auto m = static_cast<std::size_t>(p.mirror_index(*V.traces[q]));
                rd[q] = CopiedPreTrace{s.arr[m].data(), V.traces[q]->view()};
            });
            f(static_cast<const CopiedPreTrace*>(rd));
        } else {
            HistoryPreTrace rd[kReaders];
            for_traces<0>(mask, [&](int q) { rd[q] = HistoryPreTrace{V.traces[q]}; });
            f(static_cast<const HistoryPreTrace*>(rd));
        }
    }
    PYNEURO_INLINE static void init(X& x, const RuleView& V, step_t t, double eta) {
        for (int q = 0; q < Body::n_params; ++q) x.p[q] = V.params[q];
        x.dt = V.dt;
        x.t = static_cast<double>(t) * V.dt;
        x.eta = eta;
    }
    // f(q) for every trace q on `side` whose bit is set in `mask` (unrolled at compile time)
    template <int Side, class F>
    PYNEURO_INLINE static void for_traces(std::uint32_t mask, F&& f) {
        unroll<0, Body::n_traces>([&](auto q) PYNEURO_INLINE {
            constexpr int Q = decltype(q)::value;
            if constexpr (Body::trace_side[Q] == Side)
                if (mask & (1u << Q)) f(Q);
        });
    }
    template <int Q, int N, class F>
    PYNEURO_INLINE static void unroll(F&& f) {
        if constexpr (Q < N) {
            f(std::integral_constant<int, Q>{});
            unroll<Q + 1, N>(f);
        }
    }
    // the snapshot slots of step t of the presynaptic variables
    PYNEURO_INLINE static Snap snaps(const RuleView& V, step_t t) {
        Snap sn{};
        if constexpr (Body::n_pre_vars > 0)
            for (int q = 0; q < Body::n_pre_vars; ++q) sn[static_cast<std::size_t>(q)] = V.pre->snapshot(V.pre_snap[q], t);
        return sn;
    }
    PYNEURO_INLINE static void load_pre(X& x, const Snap& sn, index_t j, std::uint32_t vars) {
        unroll<0, Body::n_pre_vars>([&](auto q) PYNEURO_INLINE {
            constexpr int Q = decltype(q)::value;
            if (vars & (1u << Q)) x.u[Q] = sn[static_cast<std::size_t>(Q)][j];
        });
    }
    PYNEURO_INLINE static void load_post(X& x, const RuleView& V, index_t i, std::uint32_t vars, std::uint32_t neuron,
                                         step_t t) {
        unroll<0, Body::n_post_vars>([&](auto q) {
            constexpr int Q = decltype(q)::value;
            if (vars & (1u << Q)) x.v[Q] = V.post_vars[Q][i];
        });
        unroll<0, Body::n_neuron>([&](auto q) {
            constexpr int Q = decltype(q)::value;
            if (neuron & (1u << Q)) {
                const int D = V.neuron_delay[Q];
                if (D == 0) [[likely]] {
                    x.n[Q] = V.neuron[Q][i];
                } else {  // the value after the update of step t - D
                    const step_t m = static_cast<step_t>(D) + 1;
                    step_t slot = (t - D) % m;
                    if (slot < 0) slot += m;
                    x.n[Q] = V.neuron_hist[Q][static_cast<std::size_t>(i) * static_cast<std::size_t>(m) + static_cast<std::size_t>(slot)];
                }
            }
        });
    }
    // Load what the body reads at synapse k (decaying variables brought to t), run it, store what changed.
    template <bool One, class Run>
    PYNEURO_INLINE static void touch(X& x, const RuleView& V, Shard& s, std::uint64_t k, step_t t, std::uint32_t read, std::uint32_t write,
                      bool writes_w, Run&& run) {
        if constexpr (Body::decaying != 0) {
            step_t last;
            std::uint32_t lo, hi;
            std::memcpy(&lo, &s.cols[static_cast<std::size_t>(V.col_last)][k], 4);
            std::memcpy(&hi, &s.cols[static_cast<std::size_t>(V.col_last) + 1][k], 4);
            last = static_cast<step_t>((static_cast<std::uint64_t>(hi) << 32) | lo);  // step + 1; 0: never touched
            const step_t age = last == 0 ? 0 : t - (last - 1);
            unroll<0, Body::n_syn>([&](auto q) {
                constexpr int Q = decltype(q)::value;
                const float c = s.cols[static_cast<std::size_t>(V.cols[Q])][k];
                if constexpr ((Body::decaying >> Q) & 1u) {
                    x.s[Q] = age == 0 ? static_cast<double>(c) : static_cast<double>(c) * V.decay[Q].at(age);
                } else {
                    if (read & (1u << Q)) x.s[Q] = c;
                }
            });
        } else {
            unroll<0, Body::n_syn>([&](auto q) {
                constexpr int Q = decltype(q)::value;
                if (read & (1u << Q)) x.s[Q] = s.cols[static_cast<std::size_t>(V.cols[Q])][k];
            });
        }
        const double w0 = s.w[k];
        x.w = w0;
        run(x);
        if (writes_w) s.w[k] = One ? static_cast<float>(x.w) : scaled_weight(w0, x.w, x.eta);
        unroll<0, Body::n_syn>([&](auto q) {
            constexpr int Q = decltype(q)::value;
            if ((write & (1u << Q)) || ((Body::decaying >> Q) & 1u))
                s.cols[static_cast<std::size_t>(V.cols[Q])][k] = static_cast<float>(x.s[Q]);
        });
        if constexpr (Body::decaying != 0) {
            const std::uint64_t stamp = static_cast<std::uint64_t>(t) + 1;
            const std::uint32_t lo = static_cast<std::uint32_t>(stamp), hi = static_cast<std::uint32_t>(stamp >> 32);
            std::memcpy(&s.cols[static_cast<std::size_t>(V.col_last)][k], &lo, 4);
            std::memcpy(&s.cols[static_cast<std::size_t>(V.col_last) + 1][k], &hi, 4);
        }
    }
};

// The core's rule around a kernel (custom_rule.cpp). Parameter map keys: see CustomRuleSpec.
class CustomRule final : public Rule {
public:
    CustomRule(std::unique_ptr<RuleKernel> k, const std::string& kind, const ParamMap& p);
    void attach(Projection& p) override;
    void on_pre(Projection& p, Shard& s, index_t pre, std::uint64_t b, std::uint64_t e, step_t t) override {
        kernel_->on_pre(view_, p, s, pre, b, e, t, eta(t));
    }
    void on_post(Projection& p, Shard& s, index_t post, std::uint64_t pb, std::uint64_t pe, step_t t) override {
        kernel_->on_post(view_, p, s, post, pb, pe, t, eta(t));
    }
    void tick(Projection& p, int k, step_t t) override {
        if ((t + 1) % interval_ != 0) return;
        kernel_->on_tick(view_, p, p.shards()[static_cast<std::size_t>(k)], t, eta(t));
    }
    void after_update(Projection&, int, Range r, step_t t) override;
    void before_run(Projection& p) override;
    void reserve_growth(Projection&, index_t n_post) override {
        for (auto& v : neuron_) v.reserve(n_post);
        for (std::size_t q = 0; q < hist_.size(); ++q)
            if (neuron_delay_[q] > 0) hist_[q].reserve(static_cast<std::size_t>(n_post) * static_cast<std::size_t>(neuron_delay_[q] + 1));
    }
    void on_grow(Projection& p) override;
    bool has_nan(Projection& p, int k) const override;
    void save(StateDict& d, const std::string& prefix, const Projection& p) const override;
    void load(const StateDict& d, const std::string& prefix, Projection& p) override;
    std::string attach_problem(Projection& p) const override;

private:
    void refresh_view();
    std::unique_ptr<RuleKernel> kernel_;
    std::string kind_;
    const CustomRuleSpec* spec_;
    std::vector<double> params_;
    std::vector<double> trace_tau_, syn_init_, syn_tau_, neuron_init_;
    step_t interval_ = 1;
    double dt_ = 0.1;
    std::vector<const SpikeTrace*> traces_;
    std::vector<int> cols_;
    std::vector<DecayTable> decay_;
    int col_last_ = -1;
    std::vector<avector<float>> neuron_;
    std::vector<float*> neuron_ptr_;
    std::vector<int> neuron_delay_;          // steps
    std::vector<avector<float>> hist_;       // per neuron variable with a delay (empty otherwise), see RuleView
    std::vector<const float*> hist_ptr_;
    std::vector<float*> post_vars_;
    std::vector<int> pre_snap_;
    Population* post_ = nullptr;
    Population* pre_ = nullptr;
    RuleView view_;
};

}  // namespace pyneuro
