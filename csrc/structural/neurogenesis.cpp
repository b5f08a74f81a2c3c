// Design notes: neurogenesis between runs -- neurons appended to a population (ids old_n .. old_n + n - 1; the ids
// users hold stay valid), with the store, the thread ranges and the recorders following.
// Several processes (MPI ranks): the new neurons join the last rank's block (its last thread's range); every rank
// grows the population (its state, traces and rows of outgoing synapses), the other ranks' blocks stay as they are.
// Thread ranges: to leave every existing shard untouched, the new neurons join the LAST thread's range (ranges
// stay contiguous and ascending, so spike lists still read in ascending id order and every result is the same as
// with any other partition: results never depend on the partition). The price is balance: after much growth the
// last thread integrates more neurons. Balance is restored when the network is rebuilt from a checkpoint
// (Network.load splits every population evenly again); no explicit rebalance is done here.
// Projections: from the grown population, every shard gets empty rows for the new neurons (no synapses); into it,
// the last shard's post range and post-major index grow by empty slices. A post population that outgrows its
// projection's post bits (n >= 2^post_bits, i.e. beyond 65536 neurons at least) makes that projection rebuild from its
// canonical arrays with wider post bits, rule columns carried over (rare, O(synapses)).
// Recorders: state monitors keep their fixed indices; spike monitors record every neuron of the population, the new
// ones included, unless they were given a subset; rate monitors count every neuron and normalise by the current size.
// Every structural change bumps the projections' versions, so weight monitors re-locate what they record.
// Failure: all or nothing. Whatever may throw (a rebuild, allocations) happens before the commit, so a failed
// add_neurons (std::bad_alloc, or the checks) leaves the network as it was (see Engine::add_neurons).
#include <algorithm>
#include <bit>

#include "../core/engine.hpp"

namespace pyneuro {

void Projection::reserve_pre(index_t n_new) {
    for (auto& sh : shards_) {
        sh.row_ptr.reserve(static_cast<std::size_t>(n_new) + 1);
        sh.row_end.reserve(n_new);
        if (sh.dynamic()) sh.row_cap.reserve(n_new);
    }
}

void Projection::grow_pre(index_t n_new) {
    reserve_pre(n_new);  // a no-op after Engine::add_neurons reserved: the resizes below do not allocate
    for (auto& sh : shards_) {
        const index_t old = static_cast<index_t>(sh.row_end.size());
        if (n_new <= old) continue;
        // new rows are empty (and, in dynamic mode, own no capacity): they start where row `old` would; in compact
        // mode that is the end of the store, so row_end[j] == row_ptr[j + 1] still holds
        const offset_t at = sh.row_ptr[old];
        sh.row_ptr.resize(static_cast<std::size_t>(n_new) + 1, at);
        sh.row_end.resize(n_new, at);
        if (sh.dynamic()) sh.row_cap.resize(n_new, at);
    }
    ++version_;
}

void Projection::check_post_growth(index_t n_new) const {
    const int bits = post_bits_for(n_new);
    if (bits <= post_bits_) return;
    const std::uint32_t limit = delay_limit_for_bits(bits);
    if (ring_delay() > limit)
        throw ArgumentError("add_neurons: with " + std::to_string(n_new) + " target neurons a projection can hold delays of at most " +
                            std::to_string(limit) + " steps, but this one has (or reserves) " + std::to_string(ring_delay()));
}

void Projection::widen_post_bits(index_t n_new) {
    const int bits = post_bits_for(n_new);
    if (bits <= post_bits_) return;
    // rebuild from canonical arrays with the present thread ranges (the order is kept exactly), rule columns carried
    // over; the rebuild commits only when it all succeeded, and a store with more post bits than it needs is valid
    check_post_growth(n_new);
    Gathered g = gather(false);
    const int ncols = shards_.empty() ? 0 : static_cast<int>(shards_[0].cols.size());
    std::vector<std::vector<float>> cols;
    for (int c = 0; c < ncols; ++c) cols.push_back(column(c));
    std::vector<Range> parts;
    for (const auto& sh : shards_) parts.push_back(sh.posts);
    rebuild(g.pre, g.post, g.delay, g.w, cols, parts, bits);  // bumps the version
}

void Projection::reserve_post(index_t n_new) {
    Shard& sh = shards_.back();
    if (!sh.indexed()) return;
    const std::size_t np = static_cast<std::size_t>(n_new - sh.posts.begin);
    sh.pm_ptr.reserve(np + 1);
    sh.pm_end.reserve(np);
    if (sh.dynamic()) sh.pm_cap.reserve(np);
}

void Projection::grow_post(const std::vector<Range>& parts) {
    widen_post_bits(parts.back().end);  // a no-op after Engine::add_neurons widened
    reserve_post(parts.back().end);     // likewise
    Shard& sh = shards_.back();
    const index_t old_np = sh.posts.size();
    sh.posts.end = parts.back().end;
    const index_t np = sh.posts.size();
    if (sh.indexed()) {
        // new posts get empty slices (no capacity in dynamic mode): they start where slice old_np would
        const offset_t at = sh.pm_ptr[old_np];
        sh.pm_ptr.resize(static_cast<std::size_t>(np) + 1, at);
        sh.pm_end.resize(np, at);
        if (sh.dynamic()) sh.pm_cap.resize(np, at);
    }
    ++version_;
}

// All or nothing: checks, then the steps that may fail (wider post bits, each rebuild all-or-nothing and valid on its
// own; every capacity the growth needs; the population's growth, undone if it fails), then the commit, which does not
// allocate. So an exception (std::bad_alloc: MemoryError in Python) leaves the network as it was.
void Engine::add_neurons(int pop, index_t n, const std::vector<float>& positions) {
    Population& P = population(pop);
    if (n == 0) throw ArgumentError("add_neurons: n must be >= 1");
    const index_t old = P.size();
    if (static_cast<std::uint64_t>(old) + n > 0x7FFFFFFFull) throw ArgumentError("add_neurons: a population holds at most 2^31 - 1 neurons");
    const index_t n_new = old + n;
    for (auto& pr : projs_)
        if (&pr->post() == &P) pr->check_post_growth(n_new);
    for (auto& pr : projs_)
        if (&pr->post() == &P) pr->widen_post_bits(n_new);
    for (auto& pr : projs_) {
        if (&pr->pre() == &P) pr->reserve_pre(n_new);
        if (&pr->post() == &P && (!comm_.distributed() || comm_.rank() == comm_.size() - 1)) pr->reserve_post(n_new);
        if (&pr->post() == &P)
            for (auto& r : pr->rules()) r->reserve_growth(*pr, n_new);
    }
    for (int m : spike_mons_of_[static_cast<std::size_t>(pop)]) {
        auto& mask = spike_mons_[static_cast<std::size_t>(m)]->mask;
        if (!mask.empty()) mask.reserve(n_new);
    }
    P.grow(n_new, positions);  // checks the positions before changing anything; undone if it fails
    // commit: nothing below allocates
    auto& parts = parts_[static_cast<std::size_t>(pop)];
    // the new neurons join the last thread's range (see the notes at the top), on the last rank
    const bool ours = !comm_.distributed() || comm_.rank() == comm_.size() - 1;
    if (ours) parts.back().end = n_new;
    for (auto& pr : projs_) {
        if (&pr->pre() == &P) pr->grow_pre(n_new);
        if (&pr->post() == &P && ours) pr->grow_post(parts);
        if (&pr->pre() == &P || &pr->post() == &P)
            for (auto& r : pr->rules()) r->on_grow(*pr);
    }
    for (int m : spike_mons_of_[static_cast<std::size_t>(pop)]) {
        auto& mask = spike_mons_[static_cast<std::size_t>(m)]->mask;
        if (!mask.empty()) mask.resize(n_new, 0);  // a subset stays a subset
    }
    P.on_added(old, n_new, now_, rng_);
}

void Engine::set_var_slice(int pop, const std::string& var, index_t begin, const std::vector<float>& values) {
    Population& P = population(pop);
    auto* v = P.var(var);
    if (!v) throw ArgumentError("unknown state variable '" + var + "'");
    if (static_cast<std::size_t>(begin) + values.size() > v->size()) throw ArgumentError("state slice out of range");
    std::copy(values.begin(), values.end(), v->begin() + begin);
    P.on_set_slice(var, begin, begin + static_cast<index_t>(values.size()), now_, rng_);
}

void Engine::set_maturation(int pop, index_t begin, index_t end, double boost, double tau_ms) {
    if (!(boost >= 0.0) || !(tau_ms > 0.0)) throw ArgumentError("maturation: boost must be >= 0 and tau_mature > 0");
    population(pop).set_maturation(begin, end, now_, static_cast<float>(boost), tau_ms / dt_);
}

}  // namespace pyneuro
