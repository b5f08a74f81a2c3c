// Design notes: one thread's part of a projection: every synapse that ends in the thread's post neurons.
// Forward store (CSR by presynaptic neuron): row j is [row_ptr[j], row_ptr[j+1]); each synapse is
//   pd[k] = delay_steps << post_bits | (post - posts.begin)      (4 bytes: local target and delay together)
//   w[k]  = weight (float32)                                       (4 bytes)
// and a row is sorted by pd, i.e. by delay then target, so the synapses of one delay are contiguous.
// Post-major index (plastic projections only): for local post i, entries [pm_ptr[i], pm_ptr[i+1]) hold the
// presynaptic neuron and the synapse offset (8 bytes), for the post-spike half of the rules.
// Per-synapse rule columns (cols[c][k], float32, e.g. eligibility traces) follow the weights: whatever moves,
// adds or drops synapse k does the same to every column.
// Memory: 8 bytes per static synapse, 16 per plastic one (plus per-row/per-post pointers), + 4 per column.
// Synapses are addressed by integer offsets only; the post-major index is rebuilt with the forward store
// whenever its offsets change, so the two always agree.
#pragma once
#include <cstdint>
#include <vector>

#include "../core/partition.hpp"
#include "../core/types.hpp"

namespace pyneuro {

// Offsets within one shard are 32-bit: a shard (one thread's part of a projection) holds < 2^32 synapses.
using offset_t = std::uint32_t;
constexpr std::uint64_t kMaxShardSynapses = 0xFFFFFFFFull;

struct Shard {
    Range posts;
    std::vector<offset_t> row_ptr;  // n_pre + 1
    std::vector<std::uint32_t> pd;
    std::vector<float> w;
    std::vector<offset_t> pm_ptr;  // posts.size() + 1 (empty when the projection is static)
    std::vector<std::uint32_t> pm_pre, pm_syn;
    std::vector<std::vector<float>> cols;

    std::size_t size() const { return w.size(); }

    void build_post_index(index_t n_pre, std::uint32_t mask) {
        const index_t np = posts.size();
        pm_ptr.assign(static_cast<std::size_t>(np) + 1, 0);
        for (std::uint32_t x : pd) ++pm_ptr[(x & mask) + 1];
        for (index_t i = 0; i < np; ++i) pm_ptr[i + 1] += pm_ptr[i];
        pm_pre.resize(pd.size());
        pm_syn.resize(pd.size());
        std::vector<std::uint64_t> fill(pm_ptr.begin(), pm_ptr.end() - 1);
        for (index_t j = 0; j < n_pre; ++j)
            for (std::uint64_t k = row_ptr[j]; k < row_ptr[j + 1]; ++k) {
                const std::uint64_t m = fill[pd[k] & mask]++;
                pm_pre[m] = j;
                pm_syn[m] = static_cast<std::uint32_t>(k);
            }
    }
    void drop_post_index() {
        std::vector<offset_t>().swap(pm_ptr);
        std::vector<std::uint32_t>().swap(pm_pre);
        std::vector<std::uint32_t>().swap(pm_syn);
    }
    std::size_t cols_bytes() const {
        std::size_t n = 0;
        for (const auto& c : cols) n += c.capacity() * 4;
        return n;
    }
    std::size_t bytes() const {
        return row_ptr.capacity() * 4 + pd.capacity() * 4 + w.capacity() * 4 + pm_ptr.capacity() * 4 +
               pm_pre.capacity() * 4 + pm_syn.capacity() * 4 + cols_bytes();
    }
};

}  // namespace pyneuro
