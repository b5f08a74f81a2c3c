// Design notes: one thread's part of a projection: every synapse that ends in the thread's post neurons.
// Forward store (CSR by presynaptic neuron): row j is [row_ptr[j], row_end[j]); each synapse is
//   pd[k] = delay_steps << post_bits | (post - posts.begin)      (4 bytes: local target and delay together)
//   w[k]  = weight (float32)                                       (4 bytes)
// and a row is sorted by pd, i.e. by delay then target, so the synapses of one delay are contiguous.
// Post-major index (plastic projections only): for local post i, entries [pm_ptr[i], pm_end[i]) hold the
// presynaptic neuron and the synapse offset (8 bytes), for the post-spike half of the rules.
// Per-synapse rule columns (cols[c][k], float32, e.g. eligibility traces) follow the weights: whatever moves,
// adds or drops synapse k does the same to every column.
// Memory: 8 bytes per static synapse, 16 per plastic one (plus per-row/per-post pointers), + 4 per column, + 16 per
// presynaptic neuron for each arrival copy of a trace.
// Synapses are addressed by integer offsets only. Structural change (insert / erase / compact) keeps the forward
// store, the post-major index and the rule columns in step: while a change is made, a reverse index rev (4 bytes
// per plastic synapse, built on demand and dropped afterwards) finds a moved synapse's post-index entry in O(1), so
// a change costs O(row length), amortised, and a rewired plastic synapse still costs 16 bytes (+ slack).
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "../core/huge_pages.hpp"
#include "../core/partition.hpp"
#include "../core/types.hpp"
#include "../neurons/trace.hpp"

namespace pyneuro {

// Offsets within one shard are 32-bit: a shard (one thread's part of a projection) holds < 2^32 synapses.
using offset_t = std::uint32_t;
constexpr std::uint64_t kMaxShardSynapses = 0xFFFFFFFFull;

struct Shard {
    Range posts;
    // Forward store: row j is [row_ptr[j], row_end[j]). Compact (as built): row_end[j] == row_ptr[j + 1] and the
    // slots are exactly the synapses. Dynamic (after the first structural change): row j may own reserved slots up
    // to row_cap[j]; a row that outgrows them moves to the end of the arrays (its old slots become garbage).
    std::vector<offset_t> row_ptr;  // n_pre + 1 (row_ptr[n_pre]: end of the compact store)
    std::vector<offset_t> row_end;  // n_pre
    synvector<std::uint32_t> pd;
    synvector<float> w;
    // Post-major index (plastic projections): local post i owns [pm_ptr[i], pm_end[i]) of (pm_pre, pm_syn);
    // unordered within a post. Dynamic: reserved up to pm_cap[i].
    std::vector<offset_t> pm_ptr;  // posts.size() + 1 (empty when the projection is static)
    std::vector<offset_t> pm_end;
    synvector<std::uint32_t> pm_pre, pm_syn;
    std::vector<synvector<float>> cols;
    // dynamic mode only
    std::vector<offset_t> row_cap, pm_cap;
    synvector<std::uint32_t> rev;  // plastic, during a change only: rev[k] = position of synapse k in the post index
    bool rev_on = false;             // rev is valid (it may be empty for an empty shard)
    // Arrival copies of presynaptic traces (Projection::mirror_pre_trace; single-delay projections): for each
    // registered trace, the newest entry of every presynaptic neuron that has arrived at this shard (16 bytes per
    // neuron), written in this thread's delivery and read by its post-spike loop only. Derived state.
    std::vector<avector<SpikeTrace::Entry>> arr;
    std::size_t live = 0;            // synapses (slots minus slack and garbage)
    std::size_t garbage = 0;         // slots no row owns any more (compaction reclaims them)

    std::size_t size() const { return live; }
    std::size_t slots() const { return w.size(); }
    bool dynamic() const { return !row_cap.empty(); }

    // After a build: rows are exactly the slots.
    void set_compact(index_t n_pre) {
        row_end.assign(row_ptr.begin() + 1, row_ptr.begin() + 1 + n_pre);
        live = w.size();
        garbage = 0;
        std::vector<offset_t>().swap(row_cap);
        std::vector<offset_t>().swap(pm_cap);
        drop_rev();
    }

    // Builds the post index into new arrays and swaps them in: if an allocation fails the shard is unchanged.
    void build_post_index(index_t n_pre, std::uint32_t mask) {
        const index_t np = posts.size();
        std::vector<offset_t> ptr(static_cast<std::size_t>(np) + 1, 0);
        for (index_t j = 0; j < n_pre; ++j)
            for (std::uint64_t k = row_ptr[j]; k < row_end[j]; ++k) ++ptr[(pd[k] & mask) + 1];
        for (index_t i = 0; i < np; ++i) ptr[i + 1] += ptr[i];
        synvector<std::uint32_t> pre(ptr[np], 0), syn(ptr[np], 0);
        std::vector<offset_t> end(ptr.begin(), ptr.end() - 1);
        std::vector<offset_t> cap;
        for (index_t j = 0; j < n_pre; ++j)
            for (std::uint64_t k = row_ptr[j]; k < row_end[j]; ++k) {
                const std::uint64_t m = end[pd[k] & mask]++;
                pre[m] = j;
                syn[m] = static_cast<std::uint32_t>(k);
            }
        if (dynamic()) cap = end;
        pm_ptr.swap(ptr);
        pm_end.swap(end);
        pm_pre.swap(pre);
        pm_syn.swap(syn);
        if (dynamic()) {
            pm_cap.swap(cap);
            drop_rev();  // rebuilt on the next change (ensure_rev)
        }
    }
    // The reverse index exists only while the structure changes: insert/erase build it on demand (O(slots)) and
    // the projection drops it when a change is complete, so a rewired plastic synapse costs 16 bytes, not 20.
    void ensure_rev() {
        if (!indexed() || rev_on) return;
        synvector<std::uint32_t> r(slots(), 0);  // may throw: nothing changed yet
        for (index_t i = 0; i < posts.size(); ++i)
            for (std::uint64_t m = pm_ptr[i]; m < pm_end[i]; ++m) r[pm_syn[m]] = static_cast<std::uint32_t>(m);
        rev.swap(r);
        rev_on = true;
    }
    void drop_rev() {
        synvector<std::uint32_t>().swap(rev);
        rev_on = false;
    }
    void drop_post_index() {
        std::vector<offset_t>().swap(pm_ptr);
        std::vector<offset_t>().swap(pm_end);
        synvector<std::uint32_t>().swap(pm_pre);
        synvector<std::uint32_t>().swap(pm_syn);
        std::vector<offset_t>().swap(pm_cap);
        drop_rev();
    }
    bool indexed() const { return !pm_ptr.empty(); }

    // --- structural change (between steps, by the thread that owns the shard) ------------------------------
    // Switch to dynamic mode: every row (and post slice) may grow into reserved slots.
    // All or nothing: the shard becomes dynamic (row_cap set) only after everything was allocated.
    void make_dynamic(index_t n_pre, std::uint32_t mask) {
        if (dynamic()) return;
        std::vector<offset_t> cap(row_end.begin(), row_end.end());
        if (indexed()) {
            build_post_index(n_pre, mask);  // a fresh, contiguous index (static: no pm_cap yet)
            std::vector<offset_t> pcap(pm_end.begin(), pm_end.end());
            pm_cap.swap(pcap);
        }
        row_cap.swap(cap);
    }

    // Insert a synapse into row j (kept sorted by pd; equal pd after the existing ones) and the post index.
    // Returns its offset. Amortised O(row length + post slice length) when a row or slice has to move.
    // Exception safety: everything that allocates (the reverse index, moving the row or the post slice to the end
    // of the arrays) happens before the synapse goes in and leaves the same synapses in the same order if it throws
    // (a moved row is the same row), so a failed insert changes no synapse.
    std::uint64_t insert(index_t j, std::uint32_t pdv, float wv, std::uint32_t mask) {
        ensure_rev();
        if (row_end[j] == row_cap[j]) grow_row(j);
        if (indexed() && pm_end[pdv & mask] == pm_cap[pdv & mask]) grow_slice(pdv & mask);
        const std::uint64_t b = row_ptr[j], e = row_end[j];
        const std::uint64_t pos = static_cast<std::uint64_t>(
            std::upper_bound(pd.begin() + static_cast<std::ptrdiff_t>(b), pd.begin() + static_cast<std::ptrdiff_t>(e), pdv) - pd.begin());
        for (std::uint64_t q = e; q > pos; --q) move_slot(q - 1, q);
        pd[pos] = pdv;
        w[pos] = wv;
        for (auto& c : cols) c[pos] = 0.0f;
        row_end[j] = static_cast<offset_t>(e + 1);
        if (indexed()) {
            const index_t li = pdv & mask;
            const std::uint64_t m = pm_end[li]++;
            pm_pre[m] = j;
            pm_syn[m] = static_cast<std::uint32_t>(pos);
            rev[pos] = static_cast<std::uint32_t>(m);
        }
        ++live;
        return pos;
    }

    // Remove the synapse at offset k of row j. Allocates only to build the reverse index (ensure_rev, before any
    // change); never throws once it exists.
    void erase(index_t j, std::uint64_t k, std::uint32_t mask) {
        ensure_rev();
        if (indexed()) {
            const index_t li = pd[k] & mask;
            const std::uint64_t m = rev[k], last = pm_end[li] - 1;
            pm_pre[m] = pm_pre[last];
            pm_syn[m] = pm_syn[last];
            rev[pm_syn[m]] = static_cast<std::uint32_t>(m);
            pm_end[li] = static_cast<offset_t>(last);
        }
        const std::uint64_t e = row_end[j];
        for (std::uint64_t q = k + 1; q < e; ++q) move_slot(q, q - 1);
        clear_slot(e - 1);
        row_end[j] = static_cast<offset_t>(e - 1);
        --live;
    }

    // Rewrite the store without slack or garbage (O(slots)) and return to compact mode: no reserved slots, no
    // reverse index (the next change re-enters dynamic mode). Capacity is released.
    // All or nothing: the compact store (and its post index) is built apart and moved in at the end.
    void compact(index_t n_pre, std::uint32_t mask) {
        Shard t;
        t.posts = posts;
        t.row_ptr.assign(static_cast<std::size_t>(n_pre) + 1, 0);
        t.cols.resize(cols.size());
        t.pd.reserve(live);
        t.w.reserve(live);
        for (auto& c : t.cols) c.reserve(live);
        for (index_t j = 0; j < n_pre; ++j) {
            for (std::uint64_t k = row_ptr[j]; k < row_end[j]; ++k) {
                t.pd.push_back(pd[k]);
                t.w.push_back(w[k]);
                for (std::size_t c = 0; c < cols.size(); ++c) t.cols[c].push_back(cols[c][k]);
            }
            t.row_ptr[j + 1] = static_cast<offset_t>(t.pd.size());
        }
        t.set_compact(n_pre);
        if (indexed()) t.build_post_index(n_pre, mask);
        *this = std::move(t);
    }

    std::size_t cols_bytes() const {
        std::size_t n = 0;
        for (const auto& c : cols) n += c.capacity() * 4;
        return n;
    }
    std::size_t bytes() const {
        return (row_ptr.capacity() + row_end.capacity() + row_cap.capacity()) * 4 + pd.capacity() * 4 +
               w.capacity() * 4 + (pm_ptr.capacity() + pm_end.capacity() + pm_cap.capacity()) * 4 +
               pm_pre.capacity() * 4 + pm_syn.capacity() * 4 + rev.capacity() * 4 + cols_bytes();
    }

private:
    void move_slot(std::uint64_t from, std::uint64_t to) {
        pd[to] = pd[from];
        w[to] = w[from];
        for (auto& c : cols) c[to] = c[from];
        if (rev_on) {
            rev[to] = rev[from];
            pm_syn[rev[to]] = static_cast<std::uint32_t>(to);
        }
    }
    void clear_slot(std::uint64_t k) {
        pd[k] = 0;
        w[k] = 0.0f;
        for (auto& c : cols) c[k] = 0.0f;
    }
    // Capacity first for every array (may throw, changing no size), then the sizes (cannot throw any more).
    template <class V>
    static void reserve_for(V& v, std::size_t n) {
        if (n > v.capacity()) v.reserve(std::max(n, v.capacity() + v.capacity() / 4));  // 1.25x, not the usual 2x
    }
    void append_slots(std::size_t n) {
        if (slots() + n > kMaxShardSynapses)
            throw ArgumentError("a thread's shard of a projection holds at most 2^32 - 1 synapse slots; this change would "
                                "need " + std::to_string(slots() + n) + " (use more threads or fewer synapses)");
        const std::size_t m = slots() + n;
        reserve_for(pd, m);
        reserve_for(w, m);
        for (auto& c : cols) reserve_for(c, m);
        if (rev_on) reserve_for(rev, m);
        pd.resize(m);
        w.resize(m);
        for (auto& c : cols) c.resize(m);
        if (rev_on) rev.resize(m);
    }
    void grow_row(index_t j) {
        const std::uint64_t b = row_ptr[j], e = row_end[j], len = e - b;
        const std::uint64_t cap = len + std::max<std::uint64_t>(2, len / 8);  // 12.5% slack: small stores, amortised O(8) moves per insert
        const std::uint64_t nb = slots();
        append_slots(cap);
        for (std::uint64_t q = 0; q < len; ++q) {
            move_slot(b + q, nb + q);
            clear_slot(b + q);
        }
        garbage += row_cap[j] - b;
        row_ptr[j] = static_cast<offset_t>(nb);
        row_end[j] = static_cast<offset_t>(nb + len);
        row_cap[j] = static_cast<offset_t>(nb + cap);
    }
    void grow_slice(index_t li) {
        const std::uint64_t b = pm_ptr[li], e = pm_end[li], len = e - b;
        const std::uint64_t cap = len + std::max<std::uint64_t>(2, len / 8);  // 12.5% slack: small stores, amortised O(8) moves per insert
        const std::uint64_t nb = pm_pre.size();
        if (nb + cap > kMaxShardSynapses)
            throw ArgumentError("a thread's shard of a projection holds at most 2^32 - 1 post-index entries; this change "
                                "would need " + std::to_string(nb + cap) + " (use more threads or fewer synapses)");
        reserve_for(pm_pre, nb + cap);
        reserve_for(pm_syn, nb + cap);
        pm_pre.resize(nb + cap);
        pm_syn.resize(nb + cap);
        for (std::uint64_t q = 0; q < len; ++q) {
            pm_pre[nb + q] = pm_pre[b + q];
            pm_syn[nb + q] = pm_syn[b + q];
            rev[pm_syn[nb + q]] = static_cast<std::uint32_t>(nb + q);
        }
        pm_ptr[li] = static_cast<offset_t>(nb);
        pm_end[li] = static_cast<offset_t>(nb + len);
        pm_cap[li] = static_cast<offset_t>(nb + cap);
    }
};

}  // namespace pyneuro
