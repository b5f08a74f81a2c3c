// Design notes: presynaptic/postsynaptic spike traces, owned by a population and shared by every rule that asks
// for the same (time constant, interaction). A trace is event-driven: it is stored only at spikes, as a short
// history per neuron of (spike step, value just after the spike), and read lazily as value * exp(-(t - step) dt / tau),
// so silent neurons and synapses cost nothing. Beyond 30 tau (a factor below 1e-13) a trace reads as 0.
//   all_to_all: x jumps by 1 at each spike;  nearest: x is reset to 1 at each spike.
// Why a history and not one value: delays are axonal, so a synapse with delay d sees its presynaptic neuron's
// trace at t - d, which may lie before the neuron's latest spikes. The history holds every spike of the last
// window (longest delay + 1 steps) plus the newest older one, so value_at(i, t - d) is exact.
// Thread safety: neuron i's history is appended by its owning thread during integration of step t, while other
// threads may read it at times <= t - 1 (the loop defers post-spike updates by one step). Capacity
// K = ceil((window + 1) / min_isi) + 2 guarantees a reader never needs the slot being overwritten; the per-neuron
// head/count word is published with release/acquire ordering so a reader sees a complete entry.
// The owner's view (value_now): postsynaptic reads happen at the current step, on the thread that owns the
// neuron, and need only the newest entry. It is kept a second time in dense per-neuron arrays (step, value, and the
// value just before it for reads that exclude the spike): 24 bytes per neuron that cache well (the step and the
// value side by side, so a read touches one cache line), read with the same
// arithmetic as value_at (so the two agree bit for bit). Only the owning thread may call value_now.
#pragma once
#include <atomic>
#include <cmath>
#include <vector>

#include "../core/types.hpp"

namespace pyneuro {

enum class TraceMode : int { all_to_all = 0, nearest = 1 };

class SpikeTrace {
public:
    // One history entry; a neuron's block is [header, entry 1, ..., entry K] with K + 1 a power of two, so that
    // a block is one or two cache lines. The header's `step` field holds head | count << 16.
    struct alignas(16) Entry {
        step_t step;
        double val;
    };

    SpikeTrace(double tau_ms, TraceMode mode) : tau_(tau_ms), mode_(mode) {}
    double tau() const { return tau_; }
    TraceMode mode() const { return mode_; }
    int capacity() const { return cap_; }

    // (Re)size for n neurons with capacity >= cap, keeping the newest entries.
    void configure(index_t n, int cap, double dt) {
        int k = 4;
        while (k - 1 < cap) k *= 2;
        cap = k - 1;
        if (dt != dt_) {
            dt_ = dt;
            // table of exp(-k dt / tau) for k < 30 tau / dt (at most 65536 entries); exp() beyond
            const double want = std::ceil(30.0 * tau_ / dt) + 1.0;
            const std::size_t len = want > 65536.0 ? 65536 : static_cast<std::size_t>(want);
            // past 30 tau a trace is below 1e-13 of its value: read it as 0 (no exp() call), unless the table had
            // to be cut short (huge tau), in which case exp() takes over
            tail_zero_ = want <= 65536.0;
            decay_len_ = len;
            decay_.assign(len + 1, 0.0);  // one entry past the end: 0, the tail's value when tail_zero_ (View::decay_or_zero)
            for (std::size_t q = 0; q < len; ++q) decay_[q] = std::exp(-static_cast<double>(q) * dt / tau_);
        }
        if (n == n_ && cap == cap_) return;
        avector<Entry> blocks(static_cast<std::size_t>(n) * static_cast<std::size_t>(cap + 1), Entry{0, 0.0});
        for (index_t i = 0; i < std::min(n, n_); ++i) {
            const int cnt = std::min(count(i), cap);
            Entry* dst = blocks.data() + static_cast<std::size_t>(i) * static_cast<std::size_t>(cap + 1);
            for (int e = 0; e < cnt; ++e) dst[1 + (cnt - 1 - e)] = block(i)[1 + slot_of(i, e)];  // e = 0 newest
            dst[0].step = cnt == 0 ? 0 : static_cast<step_t>((cnt - 1) | (cnt << 16));
        }
        n_ = n;
        cap_ = cap;
        blocks_.swap(blocks);
        rebuild_now();
    }

    // An initial value: the next apply_initial(t) (Engine::prepare, before a run) gives every neuron with an empty
    // history the value v at step t, as if a spike had left it there (e.g. a rate estimate that starts at its target).
    void set_initial(double v) {
        init_ = v;
        init_pending_ = true;
        has_initial_ = true;
    }
    void apply_initial(step_t t) {
        if (!init_pending_ || cap_ == 0) return;
        init_pending_ = false;
        for (index_t i = 0; i < n_; ++i) {
            Entry* b = block(i);
            if (count(i) != 0) continue;
            b[1] = Entry{t, init_};
            b[0].step = static_cast<step_t>(0 | (1 << 16));
        }
        rebuild_now();
    }
    // True once an initial value was set: its entries are not spikes (they never travel through the spike ring).
    bool has_initial() const { return has_initial_; }

    // Neurogenesis: n neurons, keeping the history (new neurons start empty); a no-op before the first configure.
    void resize(index_t n) {
        if (cap_ > 0) configure(n, cap_, dt_);
    }

    [[gnu::always_inline]] double decay(step_t dsteps) const {
        if (static_cast<std::size_t>(dsteps) < decay_len_) return decay_[static_cast<std::size_t>(dsteps)];
        return decay_tail(dsteps);
    }

    // A read-only view for hot loops: the decay table and the owner's newest-entry arrays as plain pointers, taken
    // once before the loop (so that the loop keeps them in registers), with the same arithmetic as decay and
    // value_now.
    struct View {
        const SpikeTrace* tr;
        const double* table;
        std::size_t len;
        const Entry* now;  // newest entry per neuron
        const double* before;
        [[gnu::always_inline]] double decay(step_t d) const {
            if (static_cast<std::size_t>(d) < len) [[likely]]
                return table[static_cast<std::size_t>(d)];
            return tr->decay_tail(d);
        }
        // decay(d) for d >= 0 without a branch, where the trace's tail is zero (SpikeTrace::tail_zero): the table's
        // entry past its end is 0.
        [[gnu::always_inline]] double decay_or_zero(step_t d) const {
            const std::size_t q = static_cast<std::size_t>(d);
            return table[q < len ? q : len];
        }
        void prefetch(index_t i) const { __builtin_prefetch(&now[i]); }
        // owner thread only, as SpikeTrace::value_now
        [[gnu::always_inline]] double value_now(index_t i, step_t t, bool strict = false) const {
            const Entry e = now[i];
            if (t > e.step) [[likely]]
                return e.val * decay(t - e.step);
            if (t == e.step) return strict ? before[i] : e.val * decay(0);
            return tr->value_past(i, t, strict);
        }
    };
    View view() const { return View{this, decay_.data(), decay_len_, now_.data(), before_.data()}; }
    // True when the decay reads as 0 beyond its table (View::decay_or_zero applies).
    bool tail_zero() const { return tail_zero_; }

    // Trace of neuron i at step t, counting spikes at steps <= t (strict=false) or < t (strict=true).
    double value_at(index_t i, step_t t, bool strict = false) const {
        const Entry* b = block(i);
        const step_t m = std::atomic_ref<const step_t>(b[0].step).load(std::memory_order_acquire);
        const int cnt = static_cast<int>(m >> 16);
        int head = static_cast<int>(m & 0xFFFF);
        for (int e = 0; e < cnt; ++e) {
            const Entry& x = b[1 + head];
            if (strict ? x.step < t : x.step <= t) return x.val * decay(t - x.step);
            head = head == 0 ? cap_ - 1 : head - 1;
        }
        return 0.0;
    }

    // The newest entry of neuron i with step <= t (nullptr if none); the same search as value_at.
    const Entry* entry_at(index_t i, step_t t) const {
        const Entry* b = block(i);
        const step_t m = std::atomic_ref<const step_t>(b[0].step).load(std::memory_order_acquire);
        const int cnt = static_cast<int>(m >> 16);
        int head = static_cast<int>(m & 0xFFFF);
        for (int e = 0; e < cnt; ++e) {
            const Entry& x = b[1 + head];
            if (x.step <= t) return &x;
            head = head == 0 ? cap_ - 1 : head - 1;
        }
        return nullptr;
    }

    // Owner thread only: the trace of neuron i at step t >= its newest entry's step - 1, as value_at(i, t, strict),
    // from the dense newest-entry arrays (earlier times fall back to the history).
    [[gnu::always_inline]] double value_now(index_t i, step_t t, bool strict = false) const {
        const Entry e = now_[i];
        if (t > e.step) [[likely]]
            return e.val * decay(t - e.step);
        if (t == e.step) return strict ? before_[i] : e.val * decay(0);
        return value_past(i, t, strict);
    }
    void prefetch_now(index_t i) const {
        __builtin_prefetch(&now_[i]);
    }

    void prefetch(index_t i) const { __builtin_prefetch(block(i)); }

    // Record a spike of neuron i at step t (owner thread only; t is newer than every held entry).
    void on_spike(index_t i, step_t t) {
        Entry* b = block(i);
        const step_t m = b[0].step;
        const int cnt = static_cast<int>(m >> 16);
        const int head = static_cast<int>(m & 0xFFFF);
        const double before = cnt > 0 ? b[1 + head].val * decay(t - b[1 + head].step) : 0.0;
        const double v = (mode_ == TraceMode::all_to_all && cnt > 0) ? before + 1.0 : 1.0;
        const int nh = cnt == 0 ? 0 : (head + 1) % cap_;
        b[1 + nh] = Entry{t, v};
        const int nc = cnt < cap_ ? cnt + 1 : cap_;
        std::atomic_ref<step_t>(b[0].step).store(static_cast<step_t>(nh | (nc << 16)), std::memory_order_release);
        now_[i] = Entry{t, v};
        before_[i] = before;
    }

    void save(StateDict& d, const std::string& prefix) const {
        std::vector<step_t> steps(static_cast<std::size_t>(n_) * cap_);
        std::vector<double> vals(steps.size());
        std::vector<std::uint32_t> meta(n_);
        for (index_t i = 0; i < n_; ++i) {
            const Entry* b = block(i);
            meta[i] = static_cast<std::uint32_t>(b[0].step);
            for (int e = 0; e < cap_; ++e) {
                steps[static_cast<std::size_t>(i) * cap_ + e] = b[1 + e].step;
                vals[static_cast<std::size_t>(i) * cap_ + e] = b[1 + e].val;
            }
        }
        put(d, prefix + "steps", steps);
        put(d, prefix + "vals", vals);
        put(d, prefix + "meta", meta);
        put(d, prefix + "cap", std::vector<std::int64_t>{cap_});
    }
    // Checked against a population of n neurons at step `now` before anything changes: a capacity the ring
    // layout allows, n headers whose head and count fit it, and held entries at steps in [0, now), oldest first,
    // with finite values >= 0. Steps strictly increase, except that a trace with an initial value may hold that
    // value and a spike at the same step (a spike in the step whose run applied the initial value).
    void load(const StateDict& d, const std::string& prefix, index_t n_pop, step_t now) {
        const auto cap_v = take_n<std::int64_t>(d, prefix + "cap", 1);
        auto meta = take<std::uint32_t>(d, prefix + "meta");
        if (meta.empty()) return;  // saved before its first run: keep the (empty) configured history
        require(meta.size() == n_pop, prefix + "meta", "expected " + std::to_string(n_pop) + " values, got " + std::to_string(meta.size()));
        require(cap_v[0] >= 1 && cap_v[0] <= 0xFFFF, prefix + "cap", "must lie in [1, 65535], got " + std::to_string(cap_v[0]));
        const int cap = static_cast<int>(cap_v[0]);
        const std::size_t len = static_cast<std::size_t>(n_pop) * static_cast<std::size_t>(cap);
        auto steps = take_n<step_t>(d, prefix + "steps", len);
        auto vals = take_n<double>(d, prefix + "vals", len);
        for (index_t i = 0; i < n_pop; ++i) {
            const int cnt = static_cast<int>(meta[i] >> 16), head = static_cast<int>(meta[i] & 0xFFFF);
            require(cnt <= cap && head < cap && (cnt > 0 || head == 0), prefix + "meta", "bad header of neuron " + std::to_string(i));
            step_t newer = now;
            for (int e = 0, h = head; e < cnt; ++e, h = h == 0 ? cap - 1 : h - 1) {  // newest first
                const std::size_t q = static_cast<std::size_t>(i) * static_cast<std::size_t>(cap) + static_cast<std::size_t>(h);
                // an initial value (set_initial) is held at the step of the run that applied it, where the neuron
                // may also have spiked: only then, and only for the oldest held entry, may two steps be equal
                const bool tie_ok = has_initial_ && e == cnt - 1 && e > 0 && steps[q] == newer;
                require(steps[q] >= 0 && (steps[q] < newer || tie_ok), prefix + "steps",
                        "the held spikes of neuron " + std::to_string(i) + " must lie before step " + std::to_string(now) + ", newest last");
                require(std::isfinite(vals[q]) && vals[q] >= 0.0, prefix + "vals", "values must be finite and >= 0");
                newer = steps[q];
            }
        }
        const index_t n = n_pop;
        const int want = cap_;
        n_ = n;
        cap_ = cap;
        blocks_.assign(static_cast<std::size_t>(n) * static_cast<std::size_t>(cap + 1), Entry{0, 0.0});
        for (index_t i = 0; i < n; ++i) {
            Entry* b = block(i);
            b[0].step = meta[i];
            for (int e = 0; e < cap; ++e)
                b[1 + e] = Entry{steps[static_cast<std::size_t>(i) * cap + e], vals[static_cast<std::size_t>(i) * cap + e]};
        }
        if (want > 0 && want != cap) configure(n, want, dt_);
        rebuild_now();
    }

    static constexpr step_t kNever = -(step_t{1} << 60);  // "no entry": decays to exactly 0 at any step

    // beyond the table: 0 past 30 tau, else exp (huge tau)
    [[gnu::noinline]] double decay_tail(step_t dsteps) const {
        return tail_zero_ ? 0.0 : std::exp(-static_cast<double>(dsteps) * dt_ / tau_);
    }
    [[gnu::noinline]] double value_past(index_t i, step_t t, bool strict) const { return value_at(i, t, strict); }

private:
    // The dense newest-entry arrays from the history (after a resize, a load or initial values).
    void rebuild_now() {
        now_.assign(n_, Entry{kNever, 0.0});
        before_.assign(n_, 0.0);
        for (index_t i = 0; i < n_; ++i) {
            const Entry* b = block(i);
            const int cnt = count(i);
            if (cnt == 0) continue;
            const int head = static_cast<int>(b[0].step & 0xFFFF);
            now_[i] = b[1 + head];
            if (cnt > 1) {
                const Entry& prev = b[1 + (head == 0 ? cap_ - 1 : head - 1)];
                before_[i] = prev.val * decay(now_[i].step - prev.step);
            }
        }
    }
    const Entry* block(index_t i) const { return blocks_.data() + static_cast<std::size_t>(i) * static_cast<std::size_t>(cap_ + 1); }
    Entry* block(index_t i) { return blocks_.data() + static_cast<std::size_t>(i) * static_cast<std::size_t>(cap_ + 1); }
    int count(index_t i) const { return static_cast<int>(block(i)[0].step >> 16); }
    // slot (0-based, excluding the header) of the e-th newest entry of neuron i
    int slot_of(index_t i, int e) const {
        const int head = static_cast<int>(block(i)[0].step & 0xFFFF);
        return (head - e + cap_ * 4) % cap_;
    }

    double tau_;
    TraceMode mode_;
    double dt_ = -1.0;
    index_t n_ = 0;
    int cap_ = 0;
    avector<Entry> blocks_;  // 64-byte aligned: a block of 4 entries is exactly one cache line
    std::vector<double> decay_;  // decay_len_ entries, then a 0
    std::size_t decay_len_ = 0;
    bool tail_zero_ = true;
    double init_ = 0.0;
    bool init_pending_ = false;
    bool has_initial_ = false;
    avector<Entry> now_;      // the newest entry of each neuron ({kNever, 0}: none), 16 bytes: one cache line read
    avector<double> before_;  // the value just before it (what a read excluding that step sees)
};

}  // namespace pyneuro
