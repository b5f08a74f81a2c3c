// Design notes: the fixed-total-number rule (NEST's fixed_total_number): exactly N synapses, each (pre, post) pair
// drawn uniformly among the eligible pairs (autapses excluded on request), with or without multapses.
// Determinism for any thread count, in parallel:
// 1. The posts are cut into blocks of kBlock neurons. The N synapses are split over the blocks by a binary tree of
//    draws, one counter-based stream per tree node: with multapses the split is multinomial (binomial draws with
//    p = the left half's share of the posts); without, multivariate hypergeometric (a uniform N-subset of all pairs
//    puts a hypergeometric number of them in each half). Every thread computes the same (cheap) tree.
// 2. Block b's pairs come from its own streams (post uniform in the block, pre uniform among the eligible); without
//    multapses they are distinct (rejection while sparse, selection sampling over the block's pairs when dense).
//    Pair q of block b takes its weight and delay from a stream keyed by (projection, b, q). The pairs' numbers and
//    the first Philox block of the value streams are computed kPhiloxBatch at a time (philox_batch: the same bits).
// 3. Each thread replays the blocks that overlap its posts, twice, storing no pair: once to count its rows (and each
//    block's synapses per post), once to fill them, so the synapses go straight into the CSR arrays (the only
//    transient is one block's (source, pair number) list, 8 bytes per pair: a full-scale cortical model fits in
//    memory). The fill buckets a block's pairs by target (a stable counting sort with the counts of the first pass)
//    and visits them in (target, creation) order, so every row receives its targets in ascending order; a counting
//    sort by delay then completes the canonical (delay, target, creation) order of each row.
// The pairs of a block are generated in one fixed order, so multapses keep a creation order that does not depend on
// the thread count either.
#include <optional>
#include <unordered_set>

#include "../core/parallel.hpp"
#include "../core/variates.hpp"
#include "projection.hpp"

namespace pyneuro {

namespace {

constexpr index_t kBlock = 1024;                       // posts per block
constexpr std::uint32_t kSplitElement = 0xFFFFFFFDu;   // stream element of the split tree's nodes
constexpr std::uint64_t kChunkDraws = 1ull << 24;      // 32-bit numbers per pair stream before it is re-keyed

// A long stream of 32-bit numbers for block `blk`: RngStream chunks keyed (projection, block, chunk).
class BlockStream {
public:
    BlockStream(const Philox& g, std::uint32_t pid, index_t blk) : g_(g), pid_(pid), blk_(blk) {}
    std::uint32_t below(std::uint32_t n) {
        need(1);
        return s_->below(n);
    }
    double uniform() {
        need(2);
        return s_->uniform();
    }

private:
    void need(std::uint64_t k) {
        if (!s_ || used_ + k > kChunkDraws) {
            s_.emplace(g_, RngDomain::connect, pid_, blk_, chunk_++);
            used_ = 0;
        }
        used_ += k;
    }
    const Philox& g_;
    std::uint32_t pid_;
    index_t blk_;
    std::uint64_t chunk_ = 0, used_ = 0;
    std::optional<RngStream> s_;
};

// Synapses per block (see the design notes, step 1).
std::vector<std::uint64_t> split_over_blocks(const Philox& rng, std::uint32_t pid, std::uint64_t n, index_t n_post,
                                             std::uint64_t per_post, bool multapses) {
    const index_t nb = (n_post + kBlock - 1) / kBlock;
    std::vector<std::uint64_t> counts(nb, 0);
    if (nb == 0) return counts;
    auto posts = [&](index_t b0, index_t b1) {
        return static_cast<std::uint64_t>(std::min<index_t>(n_post, b1 * kBlock) - b0 * kBlock);
    };
    // iterative traversal of the tree (node, blocks [b0, b1), count)
    struct Node {
        std::uint64_t id;
        index_t b0, b1;
        std::uint64_t count;
    };
    std::vector<Node> stack{{1, 0, nb, n}};
    while (!stack.empty()) {
        const Node x = stack.back();
        stack.pop_back();
        if (x.b1 - x.b0 == 1) {
            counts[x.b0] = x.count;
            continue;
        }
        const index_t mid = x.b0 + (x.b1 - x.b0) / 2;
        std::uint64_t left = 0;
        if (x.count > 0) {
            RngStream s(rng, RngDomain::connect, pid, kSplitElement, x.id);
            const std::uint64_t pl = posts(x.b0, mid), pa = posts(x.b0, x.b1);
            left = multapses ? binomial_variate(s, x.count, static_cast<double>(pl) / static_cast<double>(pa))
                             : hypergeometric_variate(s, x.count, pl * per_post, pa * per_post);
        }
        stack.push_back({2 * x.id + 1, mid, x.b1, x.count - left});
        stack.push_back({2 * x.id, x.b0, mid, left});
    }
    return counts;
}

// The pairs of block `blk` (posts [start, end)) in their fixed order q = 0, 1, ...: f(q, local post, pre) for each.
// Nothing is stored (the sparse no-multapse case keeps the set of drawn pairs).
template <class F>
void block_pairs(const Philox& rng, std::uint32_t pid, index_t blk, index_t start, index_t end, std::uint64_t count,
                 std::uint32_t per_post, bool no_self, bool multapses, F&& f) {
    const std::uint32_t size = end - start;
    auto pre_of = [&](std::uint32_t l, std::uint32_t x) -> index_t { return (no_self && x >= start + l) ? x + 1 : x; };
    if (multapses) {
        // the BlockStream's chunks drawn directly, kPhiloxBatch refills at a time: two numbers per pair, a chunk
        // holds a whole number of batches
        static_assert(kChunkDraws % (4 * kPhiloxBatch) == 0);
        auto below = [](std::uint32_t u, std::uint32_t n) {  // RngStream::below on a given number
            return static_cast<std::uint32_t>((static_cast<std::uint64_t>(u) * n) >> 32);
        };
        std::uint32_t c[4][kPhiloxBatch];
        std::uint64_t q = 0, chunk = 0;
        while (q < count) {
            const RngStream s(rng, RngDomain::connect, pid, blk, chunk++);
            const std::uint64_t stop = std::min<std::uint64_t>(count, q + kChunkDraws / 2);
            for (std::uint64_t r = 0; q < stop; r += kPhiloxBatch) {
                for (int i = 0; i < kPhiloxBatch; ++i) {
                    const Philox::ctr_t k = s.refill_counter(r + static_cast<std::uint64_t>(i));
                    for (int v = 0; v < 4; ++v) c[v][i] = k[static_cast<std::size_t>(v)];
                }
                philox_batch(rng, c);
                const std::uint64_t m = std::min<std::uint64_t>(stop - q, 2 * kPhiloxBatch);  // pairs of this batch
                for (std::uint64_t t = 0; t < m; ++t, ++q) {
                    const std::size_t i = t / 2, v = 2 * (t % 2);  // refill (lane) and its words v, v + 1
                    const std::uint32_t l = below(c[v][i], size);
                    const std::uint32_t x = below(c[v + 1][i], per_post);
                    f(static_cast<std::uint32_t>(q), l, pre_of(l, x));
                }
            }
        }
        return;
    }
    BlockStream s(rng, pid, blk);
    const std::uint64_t space = static_cast<std::uint64_t>(size) * per_post;
    if (count * 4 < space) {
        std::unordered_set<std::uint64_t> seen;
        seen.reserve(static_cast<std::size_t>(count) * 2);
        std::uint64_t q = 0;
        while (q < count) {
            const std::uint32_t l = s.below(size);
            const std::uint32_t x = s.below(per_post);
            if (!seen.insert(static_cast<std::uint64_t>(l) * per_post + x).second) continue;
            f(static_cast<std::uint32_t>(q++), l, pre_of(l, x));
        }
        return;
    }
    // dense: selection sampling (Knuth's algorithm S) over the block's pairs in (post, pre) order
    std::uint64_t need = count, q = 0;
    for (std::uint64_t e = 0; e < space && need > 0; ++e)
        if (static_cast<double>(space - e) * s.uniform() < static_cast<double>(need)) {
            --need;
            const std::uint32_t l = static_cast<std::uint32_t>(e / per_post);
            f(static_cast<std::uint32_t>(q++), l, pre_of(l, static_cast<std::uint32_t>(e % per_post)));
        }
}

// Each row sorted by pd, stably, when its targets already ascend in creation order (as fill() leaves them): a stable
// counting sort by delay then gives the (delay, target, creation) order.
void sort_rows_by_delay(Shard& sh, index_t n_pre, int post_bits) {
    std::vector<std::uint32_t> tpd;
    std::vector<float> tw;
    std::vector<std::uint32_t> cnt;
    for (index_t j = 0; j < n_pre; ++j) {
        const std::uint64_t b = sh.row_ptr[j], e = sh.row_ptr[j + 1];
        const std::uint32_t* pd = sh.pd.data();
        if (std::is_sorted(pd + b, pd + e)) continue;
        std::uint32_t dlo = ~0u, dhi = 0;
        for (std::uint64_t k = b; k < e; ++k) {
            dlo = std::min(dlo, pd[k] >> post_bits);
            dhi = std::max(dhi, pd[k] >> post_bits);
        }
        cnt.assign(static_cast<std::size_t>(dhi - dlo) + 2, 0);
        for (std::uint64_t k = b; k < e; ++k) ++cnt[(pd[k] >> post_bits) - dlo + 1];
        for (std::size_t c = 1; c < cnt.size(); ++c) cnt[c] += cnt[c - 1];
        tpd.resize(e - b);
        tw.resize(e - b);
        for (std::uint64_t k = b; k < e; ++k) {
            const std::uint32_t at = cnt[(pd[k] >> post_bits) - dlo]++;
            tpd[at] = pd[k];
            tw[at] = sh.w[k];
        }
        std::copy(tpd.begin(), tpd.end(), sh.pd.begin() + static_cast<std::ptrdiff_t>(b));
        std::copy(tw.begin(), tw.end(), sh.w.begin() + static_cast<std::ptrdiff_t>(b));
    }
}

}  // namespace

void Projection::build_total(const ConnSpec& c, const ValueSpec& wspec, const ValueSpec& dspec, const Philox& rng) {
    const index_t n_pre = pre_->size(), n_post = post_->size();
    const bool no_self = pre_ == post_ && !c.allow_self;
    const std::uint32_t per_post = no_self ? n_pre - 1 : n_pre;  // eligible sources of every post
    const std::uint32_t pid = static_cast<std::uint32_t>(id_);
    const std::vector<std::uint64_t> counts =
        (c.n == 0 || per_post == 0) ? std::vector<std::uint64_t>((n_post + kBlock - 1) / kBlock, 0)
                                    : split_over_blocks(rng, pid, c.n, n_post, per_post, c.allow_multapses);
    const int nsh = static_cast<int>(shards_.size());
    // Each thread fills its own shard of this (new) projection; an exception in any thread (allocation failure) is
    // rethrown after the region and the caller discards the projection.
    parallel_for_threads(nsh, [&](int k) {
        Shard& sh = shards_[static_cast<std::size_t>(k)];
        const Range R = sh.posts;
        sh.row_ptr.assign(static_cast<std::size_t>(n_pre) + 1, 0);
        sh.pd.clear();
        sh.w.clear();
        if (R.size() > 0) {
            const index_t blo = R.begin / kBlock, bhi = (R.end - 1) / kBlock;
            // pass 1: row lengths, and every block's synapses per local post (this shard's posts only)
            std::vector<std::uint32_t> per_post_cnt(static_cast<std::size_t>(bhi - blo + 1) * (kBlock + 1), 0);
            offset_t* rows = sh.row_ptr.data() + 1;
            for (index_t b = blo; b <= bhi; ++b) {
                const index_t start = b * kBlock, end = std::min<index_t>(n_post, start + kBlock);
                const std::uint32_t lo = std::max(R.begin, start) - start, hi = std::min(R.end, end) - start;
                std::uint32_t* pc = per_post_cnt.data() + static_cast<std::size_t>(b - blo) * (kBlock + 1) + 1;
                if (lo == 0 && hi == end - start)
                    block_pairs(rng, pid, b, start, end, counts[b], per_post, no_self, c.allow_multapses,
                                [&](std::uint32_t, std::uint32_t l, index_t j) {
                                    ++rows[j];
                                    ++pc[l];
                                });
                else
                    block_pairs(rng, pid, b, start, end, counts[b], per_post, no_self, c.allow_multapses,
                                [&](std::uint32_t, std::uint32_t l, index_t j) {
                                    if (l < lo || l >= hi) return;
                                    ++rows[j];
                                    ++pc[l];
                                });
            }
            for (index_t j = 0; j < n_pre; ++j) sh.row_ptr[j + 1] += sh.row_ptr[j];
            const std::size_t m = sh.row_ptr[n_pre];  // <= N < 2^32 (checked in Python)
            sh.pd.resize(m);
            sh.w.resize(m);
            // pass 2: each block's pairs bucketed by post (a stable counting sort, from pass 1's counts, of (pre, q)),
            // then visited in (post, q) order, so that every row receives its targets in ascending order; the
            // values come from each pair's own stream and go straight into their rows
            std::vector<offset_t> fill(sh.row_ptr.begin(), sh.row_ptr.end() - 1);
            std::vector<std::uint64_t> bucket;  // (pre << 32) | q
            for (index_t b = blo; b <= bhi; ++b) {
                const index_t start = b * kBlock, end = std::min<index_t>(n_post, start + kBlock);
                const std::uint32_t lo = std::max(R.begin, start) - start, hi = std::min(R.end, end) - start;
                std::uint32_t* pc = per_post_cnt.data() + static_cast<std::size_t>(b - blo) * (kBlock + 1);
                for (std::uint32_t l = 0; l < kBlock; ++l) pc[l + 1] += pc[l];
                bucket.resize(pc[kBlock]);
                std::vector<std::uint32_t> at(pc, pc + kBlock);
                block_pairs(rng, pid, b, start, end, counts[b], per_post, no_self, c.allow_multapses,
                            [&](std::uint32_t q, std::uint32_t l, index_t j) {
                                if (l < lo || l >= hi) return;
                                bucket[at[l]++] = (static_cast<std::uint64_t>(j) << 32) | q;
                            });
                // values: the first Philox block of kPhiloxBatch pairs' streams at once
                std::uint32_t cb[4][kPhiloxBatch];
                std::uint32_t l = lo;
                for (std::uint32_t x0 = pc[lo]; x0 < pc[hi]; x0 += kPhiloxBatch) {
                    const std::uint32_t n = std::min<std::uint32_t>(kPhiloxBatch, pc[hi] - x0);
                    for (std::uint32_t i = 0; i < static_cast<std::uint32_t>(kPhiloxBatch); ++i) {
                        const std::uint32_t q = i < n ? static_cast<std::uint32_t>(bucket[x0 + i]) : 0;
                        const Philox::ctr_t k = ZigguratStream(rng, RngDomain::weight, pid, b, q).first_counter();
                        for (int v = 0; v < 4; ++v) cb[v][i] = k[static_cast<std::size_t>(v)];
                    }
                    philox_batch(rng, cb);
                    for (std::uint32_t i = 0; i < n; ++i) {
                        const std::uint32_t x = x0 + i;
                        while (x >= pc[l + 1]) ++l;
                        const index_t j = static_cast<index_t>(bucket[x] >> 32);
                        const std::uint32_t q = static_cast<std::uint32_t>(bucket[x]);
                        ZigguratStream s(rng, RngDomain::weight, pid, b, q);
                        s.preload({cb[0][i], cb[1][i], cb[2][i], cb[3][i]});
                        const double w = wspec.get(s, 0), d = dspec.get(s, 0);
                        const offset_t slot = fill[j]++;
                        sh.pd[slot] = (static_cast<std::uint32_t>(std::llround(d)) << post_bits_) | (start + l - R.begin);
                        sh.w[slot] = static_cast<float>(w);
                    }
                }
            }
        }
        sort_rows_by_delay(sh, n_pre, post_bits_);
        sh.set_compact(n_pre);
    });
}

}  // namespace pyneuro
