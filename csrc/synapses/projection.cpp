#include "projection.hpp"

#include "../core/parallel.hpp"

#include <algorithm>
#include <optional>
#include <bit>
#include <cmath>
#include <numeric>
#include <unordered_set>

#include "../core/variates.hpp"
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace pyneuro {

namespace {

constexpr index_t kBlock = 4096;  // posts (or pres) per random stream block: keeps draws thread-independent

struct Edges {
    std::vector<index_t> pre;
    std::vector<std::uint32_t> pd;
    std::vector<float> w;
    void reserve(std::size_t n) {
        pre.reserve(n);
        pd.reserve(n);
        w.reserve(n);
    }
};

// Draw k distinct (or not) indices in [0, n), never `self` when exclude_self; in draw order.
std::vector<index_t> choose(RngStream& s, index_t n, std::uint64_t k, bool multapses, bool exclude_self, index_t self) {
    const index_t m = exclude_self ? n - 1 : n;  // number of eligible values
    auto map = [&](index_t x) { return (exclude_self && x >= self) ? x + 1 : x; };
    std::vector<index_t> out;
    out.reserve(k);
    if (multapses) {
        for (std::uint64_t q = 0; q < k; ++q) out.push_back(map(s.below(m)));
    } else if (k * 4 < m) {
        std::unordered_set<index_t> seen;
        while (out.size() < k) {
            const index_t x = s.below(m);
            if (seen.insert(x).second) out.push_back(map(x));
        }
    } else {
        std::vector<index_t> pool(m);
        std::iota(pool.begin(), pool.end(), 0u);
        for (std::uint64_t q = 0; q < k; ++q) {
            const index_t r = static_cast<index_t>(q) + s.below(m - static_cast<index_t>(q));
            std::swap(pool[q], pool[r]);
            out.push_back(map(pool[q]));
        }
    }
    return out;
}

}  // namespace

Projection::Projection(int id, Population& pre, Population& post, Receptor r, int threads, const std::vector<Range>& parts)
    : id_(id), pre_(&pre), post_(&post), receptor_(r) {
    const int bits = post_bits_for(post.size());
    post_bits_ = bits;
    mask_ = bits >= 32 ? 0xFFFFFFFFu : ((1u << bits) - 1u);
    shards_.resize(static_cast<std::size_t>(threads));
    cursors_.resize(static_cast<std::size_t>(threads));
    for (int k = 0; k < threads; ++k) {
        shards_[static_cast<std::size_t>(k)].posts = parts[static_cast<std::size_t>(k)];
        shards_[static_cast<std::size_t>(k)].row_ptr.assign(static_cast<std::size_t>(pre.size()) + 1, 0);
        shards_[static_cast<std::size_t>(k)].set_compact(pre.size());
    }
}

std::size_t Projection::size() const {
    std::size_t n = 0;
    for (const auto& s : shards_) n += s.size();
    return n;
}

std::size_t Projection::bytes() const {
    std::size_t n = 0;
    for (const auto& s : shards_) n += s.bytes();
    return n;
}

// Sorts each row by pd (delay, then target), stably: ties (multapses) keep their creation order.
void sort_rows(Shard& sh, index_t n_pre) {
    std::vector<std::pair<std::uint32_t, float>> tmp;
    for (index_t j = 0; j < n_pre; ++j) {
        const std::uint64_t b = sh.row_ptr[j], en = sh.row_ptr[j + 1];
        if (std::is_sorted(sh.pd.begin() + static_cast<std::ptrdiff_t>(b), sh.pd.begin() + static_cast<std::ptrdiff_t>(en)))
            continue;
        tmp.clear();
        for (std::uint64_t k = b; k < en; ++k) tmp.emplace_back(sh.pd[k], sh.w[k]);
        std::stable_sort(tmp.begin(), tmp.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
        for (std::uint64_t k = b; k < en; ++k) {
            sh.pd[k] = tmp[k - b].first;
            sh.w[k] = tmp[k - b].second;
        }
    }
}

// Edges in any order -> CSR (counting sort by pre, stable), then rows sorted.
static void edges_to_csr(Edges& e, Shard& sh, index_t n_pre) {
    const std::size_t m = e.w.size();
    sh.row_ptr.assign(static_cast<std::size_t>(n_pre) + 1, 0);
    for (index_t j : e.pre) ++sh.row_ptr[static_cast<std::size_t>(j) + 1];
    for (index_t j = 0; j < n_pre; ++j) sh.row_ptr[j + 1] += sh.row_ptr[j];
    sh.pd.assign(m, 0);
    sh.w.assign(m, 0.0f);
    {
        std::vector<std::uint64_t> fill(sh.row_ptr.begin(), sh.row_ptr.end() - 1);
        for (std::size_t q = 0; q < m; ++q) {
            const std::uint64_t k = fill[e.pre[q]]++;
            sh.pd[k] = e.pd[q];
            sh.w[k] = e.w[q];
        }
    }
    std::vector<index_t>().swap(e.pre);
    std::vector<std::uint32_t>().swap(e.pd);
    std::vector<float>().swap(e.w);
    sort_rows(sh, n_pre);
    sh.set_compact(n_pre);
}

// The limit of one shard (32-bit offsets), as the error users see: how many synapses one shard would hold (at
// least, while drawing: total == 0) and how many threads would bring every shard under the limit.
[[noreturn]] static void shard_limit_error(std::uint64_t in_shard, std::uint64_t total, int threads) {
    const std::uint64_t need =
        std::max<std::uint64_t>(static_cast<std::uint64_t>(threads) + 1, (total + kMaxShardSynapses - 1) / kMaxShardSynapses);
    throw ArgumentError("a thread's shard of a projection holds at most 2^32 - 1 = " + std::to_string(kMaxShardSynapses) +
                        " synapses, but this connection puts " + (total ? "" : "more than ") + std::to_string(in_shard) +
                        " into one shard" + (total ? " (" + std::to_string(total) + " in all)" : std::string()) + " with " +
                        std::to_string(threads) + " thread(s); use threads >= " + std::to_string(need) + " or fewer synapses");
}

void Projection::build(const ConnSpec& c, const ValueSpec& wspec, const ValueSpec& dspec, const Philox& rng) {
    if (c.kind == ConnSpec::Kind::fixed_total_number) {
        build_total(c, wspec, dspec, rng);
        finish_build();
        return;
    }
    const index_t n_pre = pre_->size(), n_post = post_->size();
    const bool same = pre_ == post_;
    const bool no_self = same && !c.allow_self;
    const int nsh = static_cast<int>(shards_.size());
    const std::uint32_t pid = static_cast<std::uint32_t>(id_);
    // Exact counts are checked against the shard limit before anything is allocated; the other rules are checked
    // as synapses are drawn (see emit).
    {
        const bool all = c.kind == ConnSpec::Kind::all_to_all || (c.kind == ConnSpec::Kind::fixed_probability && c.p >= 1.0);
        const bool indeg = c.kind == ConnSpec::Kind::fixed_indegree;
        if (all || indeg) {
            std::uint64_t total = 0, worst = 0;
            for (const auto& sh : shards_) {
                const std::uint64_t np = sh.posts.size();
                std::uint64_t m = all ? static_cast<std::uint64_t>(n_pre) * np : c.n * np;
                if (all && no_self) m -= std::min<std::uint64_t>(m, np);  // at most one self pair per post
                total += m;
                worst = std::max(worst, m);
            }
            if (worst > kMaxShardSynapses) shard_limit_error(worst, total, nsh);
        } else if (c.kind == ConnSpec::Kind::from_arrays) {
            std::vector<std::uint64_t> per(shards_.size(), 0);
            for (index_t i : c.post) ++per[static_cast<std::size_t>(shard_of(i))];
            for (std::uint64_t m : per)
                if (m > kMaxShardSynapses) shard_limit_error(m, c.post.size(), nsh);
        }
    }
    // Each thread draws into its own shard of this (new) projection; an exception in any thread (allocation
    // failure, the shard limit) is rethrown here after the region and the caller discards the projection.
    parallel_for_threads(nsh, [&](int k) {
        Shard& sh = shards_[static_cast<std::size_t>(k)];
        const Range R = sh.posts;
        // Rules that produce synapses row by row (ascending pre) write straight into the CSR arrays; the others
        // collect edges and sort them (a transient 12 bytes per synapse).
        const bool ordered = c.kind != ConnSpec::Kind::fixed_indegree && c.kind != ConnSpec::Kind::from_arrays;
        Edges e;
        sh.pd.clear();
        sh.w.clear();
        sh.row_ptr.assign(static_cast<std::size_t>(n_pre) + 1, 0);
        std::uint64_t count = 0;
        auto emit = [&](index_t j, index_t i, double w, double d) {
            if (++count > kMaxShardSynapses) shard_limit_error(kMaxShardSynapses, 0, nsh);
            const std::uint32_t pdv = (static_cast<std::uint32_t>(d) << post_bits_) | (i - R.begin);
            if (ordered) {
                ++sh.row_ptr[static_cast<std::size_t>(j) + 1];
                sh.pd.push_back(pdv);
                sh.w.push_back(static_cast<float>(w));
            } else {
                e.pre.push_back(j);
                e.pd.push_back(pdv);
                e.w.push_back(static_cast<float>(w));
            }
        };
        switch (c.kind) {
            case ConnSpec::Kind::fixed_probability:
            case ConnSpec::Kind::all_to_all: {
                const bool all = c.kind == ConnSpec::Kind::all_to_all || c.p >= 1.0;
                if (R.size() == 0 || (!all && c.p <= 0.0)) break;
                const double lq = all ? 0.0 : std::log1p(-c.p);
                const index_t blo = R.begin / kBlock, bhi = (R.end - 1) / kBlock;
                {
                    const double expect = (all ? 1.0 : c.p * 1.02) * n_pre * R.size() + 64.0;
                    const std::size_t guess = static_cast<std::size_t>(std::min(expect, static_cast<double>(kMaxShardSynapses)));
                    sh.pd.reserve(guess);
                    sh.w.reserve(guess);
                }
                for (index_t j = 0; j < n_pre; ++j)
                    for (index_t blk = blo; blk <= bhi; ++blk) {
                        RngStream s(rng, RngDomain::connect, pid, j, blk);
                        const index_t start = blk * kBlock, end = std::min<index_t>(n_post, start + kBlock);
                        double pos = static_cast<double>(start) - 1.0;
                        while (true) {
                            if (all) {
                                pos += 1.0;
                            } else {
                                pos += 1.0 + std::floor(std::log(s.uniform_open0()) / lq);
                            }
                            if (pos >= static_cast<double>(end)) break;
                            const index_t i = static_cast<index_t>(pos);
                            const std::size_t arr_pos = static_cast<std::size_t>(j) * n_post + i;
                            const double w = wspec.get(s, arr_pos), d = dspec.get(s, arr_pos);
                            if (i < R.begin || i >= R.end) continue;
                            if (no_self && i == j) continue;
                            emit(j, i, w, std::llround(d));
                        }
                    }
                break;
            }
            case ConnSpec::Kind::one_to_one: {
                if (R.size() == 0) break;
                for (index_t blk = R.begin / kBlock; blk <= (R.end - 1) / kBlock; ++blk) {
                    RngStream s(rng, RngDomain::connect, pid, 0xFFFFFFFFu, blk);
                    const index_t start = blk * kBlock, end = std::min<index_t>(n_post, start + kBlock);
                    for (index_t i = start; i < end; ++i) {
                        const double w = wspec.get(s, i), d = dspec.get(s, i);
                        if (R.contains(i)) emit(i, i, w, std::llround(d));
                    }
                }
                break;
            }
            case ConnSpec::Kind::fixed_outdegree: {
                for (index_t j = 0; j < n_pre; ++j) {
                    RngStream s(rng, RngDomain::connect, pid, j, 0);
                    auto targets = choose(s, n_post, c.n, c.allow_multapses, no_self, j);
                    for (index_t i : targets) {
                        const double w = wspec.get(s, 0), d = dspec.get(s, 0);
                        if (R.contains(i)) emit(j, i, w, std::llround(d));
                    }
                }
                break;
            }
            case ConnSpec::Kind::fixed_indegree: {
                e.reserve(static_cast<std::size_t>(c.n) * R.size());
                for (index_t i = R.begin; i < R.end; ++i) {
                    RngStream s(rng, RngDomain::connect, pid, i, 1ull << 40);
                    auto sources = choose(s, n_pre, c.n, c.allow_multapses, no_self, i);
                    for (index_t j : sources) {
                        const double w = wspec.get(s, 0), d = dspec.get(s, 0);
                        emit(j, i, w, std::llround(d));
                    }
                }
                break;
            }
            case ConnSpec::Kind::from_arrays: {
                const std::size_t m = c.pre.size();
                for (std::size_t blk = 0; blk * kBlock < m; ++blk) {
                    RngStream s(rng, RngDomain::connect, pid, 0xFFFFFFFEu, blk);
                    const std::size_t end = std::min<std::size_t>(m, (blk + 1) * kBlock);
                    for (std::size_t q = blk * kBlock; q < end; ++q) {
                        const double w = wspec.get(s, q), d = dspec.get(s, q);
                        if (R.contains(c.post[q])) emit(c.pre[q], c.post[q], w, std::llround(d));
                    }
                }
                break;
            }
            case ConnSpec::Kind::fixed_total_number:
                break;  // drawn for all shards at once above, never per shard
        }
        if (ordered) {
            for (index_t j = 0; j < n_pre; ++j) sh.row_ptr[j + 1] += sh.row_ptr[j];
            sh.pd.shrink_to_fit();
            sh.w.shrink_to_fit();
            sort_rows(sh, n_pre);
            sh.set_compact(n_pre);
        } else {
            edges_to_csr(e, sh, n_pre);
        }
    });
    finish_build();
}

// Shard `sh` (its posts set) from canonical arrays: the synapses ending in its posts, as CSR rows sorted by pd
// (ties in input order), with weights and rule columns taken from the input by position. Serial; throws
// (allocation) without touching anything but `sh`.
static void shard_from_arrays(Shard& sh, index_t n_pre, int bits, const std::vector<index_t>& pre, const std::vector<index_t>& post,
                              const std::vector<std::uint32_t>& delay, const std::vector<float>& w,
                              const std::vector<std::vector<float>>& cols) {
    std::vector<std::uint64_t> src;  // input position of each local synapse, ascending
    for (std::size_t q = 0; q < pre.size(); ++q)
        if (sh.posts.contains(post[q])) src.push_back(q);
    const std::size_t m = src.size();
    sh.row_ptr.assign(static_cast<std::size_t>(n_pre) + 1, 0);
    for (std::uint64_t q : src) ++sh.row_ptr[static_cast<std::size_t>(pre[q]) + 1];
    for (index_t j = 0; j < n_pre; ++j) sh.row_ptr[j + 1] += sh.row_ptr[j];
    std::vector<std::uint64_t> slot(m);  // slot -> input position (counting sort by pre: stable)
    {
        std::vector<std::uint64_t> fill(sh.row_ptr.begin(), sh.row_ptr.end() - 1);
        for (std::uint64_t q : src) slot[fill[pre[q]]++] = q;
    }
    std::vector<std::uint64_t>().swap(src);
    auto pd_of = [&](std::uint64_t q) { return (delay[q] << bits) | (post[q] - sh.posts.begin); };
    for (index_t j = 0; j < n_pre; ++j) {
        const auto b = slot.begin() + static_cast<std::ptrdiff_t>(sh.row_ptr[j]);
        const auto e = slot.begin() + static_cast<std::ptrdiff_t>(sh.row_ptr[j + 1]);
        if (!std::is_sorted(b, e, [&](std::uint64_t x, std::uint64_t y) { return pd_of(x) < pd_of(y); }))
            std::stable_sort(b, e, [&](std::uint64_t x, std::uint64_t y) { return pd_of(x) < pd_of(y); });
    }
    sh.pd.resize(m);
    sh.w.resize(m);
    sh.cols.assign(cols.size(), synvector<float>(m, 0.0f));
    for (std::size_t s = 0; s < m; ++s) {
        const std::uint64_t q = slot[s];
        sh.pd[s] = pd_of(q);
        sh.w[s] = w[q];
        for (std::size_t c = 0; c < cols.size(); ++c) sh.cols[c][s] = cols[c][q];
    }
    sh.set_compact(n_pre);
}

void Projection::build_from(const std::vector<index_t>& pre, const std::vector<index_t>& post,
                            const std::vector<std::uint32_t>& delay, const std::vector<float>& w) {
    std::vector<Range> parts;
    for (const auto& sh : shards_) parts.push_back(sh.posts);
    const std::size_t ncols = shards_.empty() ? 0 : shards_[0].cols.size();
    // weights from outside (a checkpoint) must be finite, as the live API demands; rebuild checks the rest
    for (std::size_t q = 0; q < w.size(); ++q)
        if (!std::isfinite(w[q]))
            throw ArgumentError("synapse arrays: weight[" + std::to_string(q) + "] = " + std::to_string(w[q]) +
                                " is not finite (weights must be finite numbers)");
    rebuild(pre, post, delay, w, std::vector<std::vector<float>>(ncols, std::vector<float>(pre.size(), 0.0f)), parts, post_bits_);
}

void Projection::rebuild(const std::vector<index_t>& pre, const std::vector<index_t>& post, const std::vector<std::uint32_t>& delay,
                         const std::vector<float>& w, const std::vector<std::vector<float>>& cols, const std::vector<Range>& parts,
                         int bits) {
    const index_t n_pre = pre_->size(), n_post = parts.empty() ? 0 : parts.back().end;
    const int nsh = static_cast<int>(parts.size());
    const std::uint32_t mask = bits >= 32 ? 0xFFFFFFFFu : ((1u << bits) - 1u);
    const std::uint32_t dlim = (1u << (32 - bits)) - 1u;
    // the arrays are checked before anything is allocated (a backstop: the Python layer validates first); the
    // messages name the arrays as a checkpoint's datasets do (pre, post, delay_steps, weight)
    const std::size_t m = pre.size();
    if (post.size() != m || delay.size() != m || w.size() != m)
        throw ArgumentError("synapse arrays: pre, post, delay_steps and weight must have equal lengths, got " +
                            std::to_string(m) + ", " + std::to_string(post.size()) + ", " + std::to_string(delay.size()) +
                            " and " + std::to_string(w.size()));
    for (const auto& c : cols)
        if (c.size() != m) throw ArgumentError("synapse arrays: a rule column has the wrong length");
    std::vector<std::uint64_t> per(parts.size(), 0);
    for (std::size_t q = 0; q < m; ++q) {
        if (pre[q] >= n_pre)
            throw ArgumentError("synapse arrays: pre[" + std::to_string(q) + "] = " + std::to_string(pre[q]) +
                                " is outside [0, " + std::to_string(static_cast<std::int64_t>(n_pre) - 1) + "] (the source has " +
                                std::to_string(n_pre) + " neurons)");
        if (post[q] >= n_post)
            throw ArgumentError("synapse arrays: post[" + std::to_string(q) + "] = " + std::to_string(post[q]) +
                                " is outside [0, " + std::to_string(static_cast<std::int64_t>(n_post) - 1) + "] (the target has " +
                                std::to_string(n_post) + " neurons)");
        if (delay[q] < 1 || delay[q] > dlim)
            throw ArgumentError("synapse arrays: delay_steps[" + std::to_string(q) + "] = " + std::to_string(delay[q]) +
                                " is outside [1, " + std::to_string(dlim) + "] steps");
        const auto it = std::upper_bound(parts.begin(), parts.end(), post[q], [](index_t i, const Range& r) { return i < r.end; });
        ++per[static_cast<std::size_t>(it - parts.begin())];
    }
    for (std::uint64_t c : per)
        if (c > kMaxShardSynapses) shard_limit_error(c, m, nsh);
    // build into fresh shards; commit only when every shard succeeded
    std::vector<Shard> fresh(parts.size());
    parallel_for_threads(nsh, [&](int k) {
        Shard& sh = fresh[static_cast<std::size_t>(k)];
        sh.posts = parts[static_cast<std::size_t>(k)];
        shard_from_arrays(sh, n_pre, bits, pre, post, delay, w, cols);
        if (plastic()) sh.build_post_index(n_pre, mask);
        if (dynamic_) sh.make_dynamic(n_pre, mask);
    });
    std::vector<std::uint64_t> counts(1, 0);
    for (std::uint32_t d : delay) {
        if (d >= counts.size()) counts.resize(static_cast<std::size_t>(d) + 1, 0);
        ++counts[d];
    }
    std::vector<int> dl;
    for (std::size_t d = 0; d < counts.size(); ++d)
        if (counts[d] > 0) dl.push_back(static_cast<int>(d));
    // commit: nothing below allocates or throws
    shards_.swap(fresh);
    post_bits_ = bits;
    mask_ = mask;
    delay_count_.swap(counts);
    delays_.swap(dl);
    ++version_;
    std::vector<Shard>().swap(fresh);
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

void Projection::finish_build() {
    mirrors_dirty_ = true;
    // the delays counted over every slot, per shard in parallel, then summed
    std::vector<std::vector<std::uint64_t>> per(shards_.size());
    parallel_for_threads(static_cast<int>(shards_.size()), [&](int k) {
        std::vector<std::uint64_t>& h = per[static_cast<std::size_t>(k)];
        h.assign(64, 0);
        for (std::uint32_t x : shards_[static_cast<std::size_t>(k)].pd) {
            const std::uint32_t d = x >> post_bits_;
            if (d >= h.size()) h.resize(static_cast<std::size_t>(d) + 1, 0);
            ++h[d];
        }
    });
    delay_count_.assign(1, 0);
    for (const auto& h : per) {
        if (h.size() > delay_count_.size()) delay_count_.resize(h.size(), 0);
        for (std::size_t d = 0; d < h.size(); ++d) delay_count_[d] += h[d];
    }
    while (delay_count_.size() > 1 && delay_count_.back() == 0) delay_count_.pop_back();  // up to the longest delay
    update_delays();
    if (plastic())
        for (auto& sh : shards_) sh.build_post_index(pre_->size(), mask_);
    if (dynamic_)
        for (auto& sh : shards_) sh.make_dynamic(pre_->size(), mask_);
    ++version_;
#if defined(__GLIBC__)
    malloc_trim(0);  // hand the building's transient buffers back to the system (RSS reflects the store)
#endif
}

// All or nothing: if the post index or the rule's columns cannot be allocated, what was added is taken back.
void Projection::add_rule(std::unique_ptr<Rule> r) {
    const bool first = rules_.empty();
    const std::size_t ncols = shards_.empty() ? 0 : shards_[0].cols.size();
    rules_.reserve(rules_.size() + 1);
    try {
        if (first)
            for (auto& sh : shards_) sh.build_post_index(pre_->size(), mask_);
        r->attach(*this);
    } catch (...) {
        for (auto& sh : shards_) {
            sh.cols.resize(ncols);
            if (first) sh.drop_post_index();
        }
        throw;
    }
    ticking_ = ticking_ || r->ticks;
    rules_.push_back(std::move(r));
}

// One value per slot (slack and garbage of a dynamic store included); all shards or none.
int Projection::add_column(float init) {
    const int c = shards_.empty() ? 0 : static_cast<int>(shards_[0].cols.size());
    std::vector<synvector<float>> fresh;
    fresh.reserve(shards_.size());
    for (auto& sh : shards_) {
        fresh.emplace_back(sh.slots(), init);
        sh.cols.reserve(sh.cols.size() + 1);
    }
    for (std::size_t k = 0; k < shards_.size(); ++k) shards_[k].cols.push_back(std::move(fresh[k]));
    return c;
}

std::vector<float> Projection::column(int c) const {
    Gathered g = gather(true);
    std::vector<float> out(g.w.size());
    for (std::size_t q = 0; q < out.size(); ++q) out[q] = shards_[g.shard[q]].cols[static_cast<std::size_t>(c)][g.offset[q]];
    return out;
}

void Projection::set_column(int c, const std::vector<float>& v) {
    Gathered g = gather(true);
    if (v.size() != g.w.size()) throw ArgumentError("rule column: expected " + std::to_string(g.w.size()) + " values");
    for (std::size_t q = 0; q < v.size(); ++q) shards_[g.shard[q]].cols[static_cast<std::size_t>(c)][g.offset[q]] = v[q];
}

void Projection::resolve_target(bool lagged) { target_ = post_->delivery_target(receptor_, sign_, lagged); }

void Projection::mirror_pre_trace(const SpikeTrace& tr) {
    for (const SpikeTrace* m : mirrors_)
        if (m == &tr) return;
    mirrors_.push_back(&tr);
    mirrors_on_ = false;  // filled by the next sync_mirrors
    mirrors_dirty_ = true;
}

void Projection::sync_mirrors(step_t now) {
    const bool usable = delays_.size() == 1 && !mirrors_.empty() &&
                        std::none_of(mirrors_.begin(), mirrors_.end(), [](const SpikeTrace* m) { return m->has_initial(); });
    // unchanged since the last run, which delivered every step up to now: the copies are current
    if (usable && mirrors_on_ && !mirrors_dirty_ && delivered_to_ == now && mirrors_version_ == version_ &&
        std::all_of(shards_.begin(), shards_.end(), [&](const Shard& sh) { return sh.arr.size() == mirrors_.size() && sh.arr[0].size() == pre_->size(); }))
        return;
    mirrors_on_ = false;
    mirrors_dirty_ = false;
    delivered_to_ = now;
    mirrors_version_ = version_;
    for (auto& sh : shards_) {
        if (!usable) {
            std::vector<avector<SpikeTrace::Entry>>().swap(sh.arr);
            continue;
        }
        sh.arr.resize(mirrors_.size());
        const step_t arrived = now - 1 - delays_[0];  // emissions up to here have been delivered
        const index_t n_pre = pre_->size();
        for (std::size_t m = 0; m < mirrors_.size(); ++m) {
            avector<SpikeTrace::Entry>& a = sh.arr[m];
            a.resize(n_pre);
            for (index_t j = 0; j < n_pre; ++j) {
                const SpikeTrace::Entry* e = mirrors_[m]->entry_at(j, arrived);
                a[j] = e ? SpikeTrace::Entry{e->step, e->val} : SpikeTrace::Entry{SpikeTrace::kNever, 0.0};
            }
        }
    }
    mirrors_on_ = usable;
}

void Projection::deliver(int k, step_t t) {
    if (k == 0) delivered_to_ = t + 1;  // read between runs only (sync_mirrors)
    if (ahead_) return;
    Shard& sh = shards_[static_cast<std::size_t>(k)];
    if (sh.w.empty()) return;
    if (!target_) {  // input to a source is ignored: the rules' presynaptic half and the arrival copies remain
        bool pre_rules = false;
        for (auto& r : rules_) pre_rules = pre_rules || r->uses_pre;
        if (!pre_rules && !mirrors_on_) return;
    }
    if (delays_.size() > 1) return deliver_segments(k, t);
    const SpikeRing& ring = pre_->ring();
    const int nt = ring.lanes();
    float* __restrict tgt = target_ ? target_ + sh.posts.begin : nullptr;
    const float sign = sign_;
    const std::uint32_t mask = mask_;
    const offset_t* rp = sh.row_ptr.data();
    const offset_t* re = sh.row_end.data();
    const std::uint32_t* pd = sh.pd.data();
    const float* w = sh.w.data();
    for (int d : delays_) {
        if (!ring.holds(t - d)) continue;
        for (int th = 0; th < nt; ++th)
            for (index_t j : ring.list(t - d, th)) {
                const std::uint64_t b = rp[j], e = re[j];
                if (b == e) continue;
                if (tgt)
                    for (std::uint64_t q = b; q < e; ++q) tgt[pd[q] & mask] += sign * w[q];
                for (auto& r : rules_)
                    if (r->uses_pre) r->on_pre(*this, sh, j, b, e, t);
                if (mirrors_on_)  // the spike of j emitted at t - d has arrived: its history entry becomes visible
                    for (std::size_t m = 0; m < mirrors_.size(); ++m) {
                        const SpikeTrace::Entry* en = mirrors_[m]->entry_at(j, t - d);
                        sh.arr[m][j] = SpikeTrace::Entry{en->step, en->val};
                    }
            }
    }
}

void Projection::deliver_ahead(int k, step_t s, step_t from, float* const* slot_of) const {
    const Shard& sh = shards_[static_cast<std::size_t>(k)];
    if (sh.w.empty() || s < 0) return;
    const SpikeRing& sr = pre_->ring();
    const int slot = sr.slot(s);
    if (!sr.holds_at(slot, s)) return;
    const int nt = sr.lanes();
    const int bits = post_bits_;
    const std::uint32_t mask = mask_;
    const float sign = sign_;
    const offset_t* rp = sh.row_ptr.data();
    const offset_t* re = sh.row_end.data();
    const std::uint32_t* pd = sh.pd.data();
    const float* w = sh.w.data();
    // arrivals before `from` were delivered already: skip the row's synapses of delay < from - s (pd below lo)
    const std::uint64_t skip = from > s ? static_cast<std::uint64_t>(from - s) : 0;
    const std::uint32_t lo = skip > static_cast<std::uint64_t>(delays_.front())
                                 ? static_cast<std::uint32_t>(std::min<std::uint64_t>(skip << bits, 0xFFFFFFFFu))
                                 : 0u;
    // No software prefetch of the ring entries: at PD14's load (the ring about the size of L2) it cost more
    // instructions than it saved in misses (about 15% of the pass, measured).
    for (int th = 0; th < nt; ++th)
        for (index_t j : sr.list_at(slot, th)) {
            std::uint64_t b = rp[j];
            const std::uint64_t e = re[j];
            if (b == e) continue;
            if (lo)
                while (b < e && pd[b] < lo) ++b;
            for (std::uint64_t q = b; q < e; ++q) {
                const std::uint32_t p = pd[q];
                slot_of[p >> bits][p & mask] += sign * w[q];
            }
        }
}

// Several delays: the same order as above (delay, spike, synapse), each arrival starting at its spike's cursor.
void Projection::deliver_segments(int k, step_t t) {
    Shard& sh = shards_[static_cast<std::size_t>(k)];
    const SpikeRing& ring = pre_->ring();
    const int nt = ring.lanes();
    const int depth = ring.depth();  // > every delay of this projection
    const step_t dmin = delays_.front(), dmax = delays_.back();
    const int bits = post_bits_;
    const offset_t* rp = sh.row_ptr.data();
    const offset_t* re = sh.row_end.data();
    const std::uint32_t* pd = sh.pd.data();
    const float* w = sh.w.data();
    DeliveryCursors& cur = cursors_[static_cast<std::size_t>(k)];
    // The emission steps in flight that hold spikes, [t - dmax, t - dmin], newest first: brought up to date by the
    // steps that became deliverable since the last call, or found again after a gap, a restore or a change.
    {
        // fresh: the previous call was the previous step, so every spike in flight made each of its arrivals
        bool fresh = cur.version == version_ && cur.ring_gen == ring.generation() && cur.seen >= 0 && cur.seen == t - 1;
        if (cur.slots.size() != static_cast<std::size_t>(depth)) {
            cur.slots.assign(static_cast<std::size_t>(depth), CursorSlot{});
            fresh = false;
        }
        if (!fresh) {
            // a gap or a repeated step: no cursor can be trusted to stand at its spike's next arrival
            cur.steps.clear();
            for (CursorSlot& cs : cur.slots) cs.step = -1;
        }
        for (step_t s = fresh ? cur.seen + 1 - dmin : t - dmax; s <= t - dmin; ++s) {
            if (s < 0) continue;
            const int slot = ring.slot(s);
            if (!ring.holds_at(slot, s)) continue;
            const std::size_t n = ring.count_at(slot);
            if (n > 0) cur.steps.push_front({s, slot, static_cast<std::uint32_t>(n), false});
        }
        while (!cur.steps.empty() && cur.steps.back().step < t - dmax) cur.steps.pop_back();
        cur.seen = t;
        cur.version = version_;
        cur.ring_gen = ring.generation();
    }
    if (cur.steps.empty()) return;
    float* __restrict tgt = target_ ? target_ + sh.posts.begin : nullptr;
    const float sign = sign_;
    const std::uint32_t mask = mask_;
    bool pre_rules = false;
    for (auto& r : rules_) pre_rules = pre_rules || r->uses_pre;
    // First pass: request the segments of this step (their first synapses and row ends) for every spike whose cursor
    // is known, so that their cache misses overlap instead of following one another in the pass that adds them.
    for (const DeliveryCursors::InFlight& f : cur.steps) {
        if (!f.checked) continue;
        const std::uint32_t d = static_cast<std::uint32_t>(t - f.step);
        const CursorSlot& cs = cur.slots[static_cast<std::size_t>(f.slot)];
        if (d < cs.next_min) continue;
        const Cursor* cu = cs.cur.data();
        for (int th = 0; th < nt; ++th)
            for (index_t j : ring.list_at(f.slot, th)) {
                const Cursor c = *cu++;
                if (c.next != d) continue;
                __builtin_prefetch(pd + c.pos);
                __builtin_prefetch(w + c.pos);
                __builtin_prefetch(re + j);
            }
    }
    for (DeliveryCursors::InFlight& f : cur.steps) {
        const step_t s = f.step;
        const std::uint32_t d = static_cast<std::uint32_t>(t - s);
        CursorSlot& cs = cur.slots[static_cast<std::size_t>(f.slot)];
        if (d == static_cast<std::uint32_t>(dmin)) {
            // the first arrival starts at the row starts
            cs.claim(s, version_, ring.generation(), f.n);
            Cursor* cu = cs.cur.data();
            for (int th = 0; th < nt; ++th)
                for (index_t j : ring.list_at(f.slot, th)) {
                    *cu++ = Cursor{rp[j], d};
                    __builtin_prefetch(pd + rp[j]);
                    __builtin_prefetch(w + rp[j]);
                }
            cs.next_min = d;
            f.checked = true;
        } else if (!f.checked) {
            f.checked = true;
            if (!cs.valid(s, version_, ring.generation(), f.n)) {
                // stale (structure changed, ring restored or resized): find each spike's segment once
                cs.claim(s, version_, ring.generation(), f.n);
                const std::uint64_t lo = static_cast<std::uint64_t>(d) << bits;
                Cursor* cu = cs.cur.data();
                std::uint32_t m = Cursor::kDone;
                for (int th = 0; th < nt; ++th)
                    for (index_t j : ring.list_at(f.slot, th)) {
                        const std::uint32_t* at = std::lower_bound(pd + rp[j], pd + re[j], lo,
                                                                   [](std::uint32_t x, std::uint64_t v) { return x < v; });
                        const std::uint32_t nx = at < pd + re[j] ? *at >> bits : Cursor::kDone;
                        *cu++ = Cursor{static_cast<std::uint32_t>(at - pd), nx};
                        m = std::min(m, nx);
                    }
                cs.next_min = m;
            }
        }
        if (d < cs.next_min) continue;  // no spike of this step has synapses of delay d
        // pd values of delay d lie below hi (pd = delay << post_bits | target); as 32 bits: for the longest
        // representable delay hi is 2^32, and 2^32 - 1 serves as well (no pd takes that value: a local target index
        // is below the mask)
        const std::uint32_t hi = static_cast<std::uint32_t>(std::min<std::uint64_t>(static_cast<std::uint64_t>(d + 1) << bits, 0xFFFFFFFFu));
        Cursor* cu = cs.cur.data();
        std::uint32_t m = Cursor::kDone;
        for (int th = 0; th < nt; ++th) {
            const std::vector<index_t>& list = ring.list_at(f.slot, th);
            const index_t* ids = list.data();
            const std::size_t len = list.size();
            for (std::size_t i = 0; i < len; ++i, ++cu) {
                const Cursor c = *cu;
                if (c.next != d) {
                    m = std::min(m, c.next);
                    continue;
                }
                const index_t j = ids[i];
                const std::uint64_t b = c.pos, e = re[j];
                // the segment's end: rows are sorted, so the number of synapses of delay <= d among the next 16 (one
                // cache line) is the offset of the first longer delay; a fixed-length count vectorises
                std::uint64_t end = b;
                while (true) {
                    if (end + 16 <= e) {
                        std::uint32_t cnt = 0;
                        for (int x = 0; x < 16; ++x) cnt += pd[end + static_cast<std::uint64_t>(x)] < hi;
                        end += cnt;
                        if (cnt < 16) break;
                    } else {
                        while (end < e && pd[end] < hi) ++end;
                        break;
                    }
                }
                const std::uint32_t nx = end < e ? pd[end] >> bits : Cursor::kDone;
                *cu = Cursor{static_cast<std::uint32_t>(end), nx};
                m = std::min(m, nx);
                if (nx != Cursor::kDone) {
                    // the spike's next segment starts at `end` and is read at a later step: fetch it now, so that it
                    // waits in the cache rather than in memory (a step's segments are a small working set)
                    __builtin_prefetch(pd + end + 16);
                    __builtin_prefetch(w + end);
                    __builtin_prefetch(w + end + 16);
                }
                if (tgt)
                    for (std::uint64_t x = b; x < end; ++x) tgt[pd[x] & mask] += sign * w[x];
                if (pre_rules && end != b)
                    for (auto& r : rules_)
                        if (r->uses_pre) r->on_pre(*this, sh, j, b, end, t);
            }
        }
        cs.next_min = m;
    }
}

void Projection::post_spikes(int k, const std::vector<index_t>& ids, step_t t) {
    if (rules_.empty() || ids.empty()) return;
    Shard& sh = shards_[static_cast<std::size_t>(k)];
    for (index_t i : ids) {
        const index_t li = i - sh.posts.begin;
        const std::uint64_t pb = sh.pm_ptr[li], pe = sh.pm_end[li];
        if (pb == pe) continue;
        for (auto& r : rules_)
            if (r->uses_post) r->on_post(*this, sh, i, pb, pe, t);
    }
}

Gathered Projection::gather(bool with_location) const {
    Gathered g;
    const std::size_t n = size();
    g.pre.reserve(n);
    g.post.reserve(n);
    g.delay.reserve(n);
    g.w.reserve(n);
    if (with_location) {
        g.shard.reserve(n);
        g.offset.reserve(n);
    }
    const std::size_t ns = shards_.size();
    std::vector<std::uint64_t> cur(ns), end(ns);
    for (index_t j = 0; j < pre_->size(); ++j) {
        for (std::size_t s = 0; s < ns; ++s) {
            cur[s] = shards_[s].row_ptr[j];
            end[s] = shards_[s].row_end[j];
        }
        while (true) {
            // the shard whose next synapse has the smallest delay (lowest shard on ties)
            std::size_t best = ns;
            std::uint32_t bd = 0;
            for (std::size_t s = 0; s < ns; ++s)
                if (cur[s] < end[s]) {
                    const std::uint32_t d = shards_[s].pd[cur[s]] >> post_bits_;
                    if (best == ns || d < bd) {
                        best = s;
                        bd = d;
                    }
                }
            if (best == ns) break;
            const Shard& sh = shards_[best];
            while (cur[best] < end[best] && (sh.pd[cur[best]] >> post_bits_) == bd) {
                const std::uint64_t q = cur[best]++;
                g.pre.push_back(j);
                g.post.push_back(sh.posts.begin + (sh.pd[q] & mask_));
                g.delay.push_back(bd);
                g.w.push_back(sh.w[q]);
                if (with_location) {
                    g.shard.push_back(static_cast<std::uint32_t>(best));
                    g.offset.push_back(q);
                }
            }
        }
    }
    return g;
}

void Projection::set_weights(const std::vector<float>& w) {
    Gathered g = gather(true);
    if (w.size() != g.w.size()) throw ArgumentError("weights: expected " + std::to_string(g.w.size()) + " values");
    for (std::size_t q = 0; q < w.size(); ++q) shards_[g.shard[q]].w[g.offset[q]] = w[q];
    ++values_version_;
}

}  // namespace pyneuro

namespace pyneuro {

void Projection::count_delay(std::uint32_t d, int delta) {
    if (d >= delay_count_.size()) delay_count_.resize(static_cast<std::size_t>(d) + 1, 0);
    delay_count_[d] = static_cast<std::uint64_t>(static_cast<std::int64_t>(delay_count_[d]) + delta);
}

void Projection::update_delays() {
    std::vector<int> dl;  // built apart: if it cannot be allocated, the old list stays
    for (std::size_t d = 0; d < delay_count_.size(); ++d)
        if (delay_count_[d] > 0) dl.push_back(static_cast<int>(d));
    delays_.swap(dl);
}

void Projection::make_dynamic() {
    reserve_ = std::max(reserve_, max_delay_steps());  // rings never shrink under structural change
    for (auto& sh : shards_) sh.make_dynamic(pre_->size(), mask_);  // each shard all or nothing
    dynamic_ = true;
}

// All or nothing: the shards insert in parallel; if any thread fails (allocation, the shard limit), every synapse
// that went in is taken out again, newest first (erase allocates nothing once the reverse index exists), and the
// exception is rethrown: the projection holds the same synapses as before (rows may have moved; the version is
// bumped so that monitors re-locate them).
std::uint64_t Projection::add_synapses(const std::vector<index_t>& pre, const std::vector<index_t>& post,
                                       const std::vector<std::uint32_t>& delay, const std::vector<float>& w) {
    const std::size_t m = pre.size();
    if (post.size() != m || delay.size() != m || w.size() != m)
        throw ArgumentError("add_synapses: pre, post, delay and weight must have equal lengths");
    std::uint32_t maxd = 0;
    for (std::size_t q = 0; q < m; ++q) {
        if (pre[q] >= pre_->size() || post[q] >= post_->size())
            throw ArgumentError("add_synapses: synapse " + std::to_string(q) + " joins " + std::to_string(pre[q]) + " -> " +
                                std::to_string(post[q]) + ", outside the populations");
        if (delay[q] < 1 || delay[q] > ring_delay())
            throw ArgumentError("delay of " + std::to_string(delay[q]) + " steps outside [1, the projection's max_delay (" +
                                std::to_string(ring_delay()) + " steps)]");
        maxd = std::max(maxd, delay[q]);
    }
    if (m == 0) return 0;
    const int nsh = static_cast<int>(shards_.size());
    std::vector<std::vector<std::size_t>> done(static_cast<std::size_t>(nsh));  // per shard: inputs inserted, in order
    for (int k = 0; k < nsh; ++k) {
        std::size_t c = 0;
        for (std::size_t q = 0; q < m; ++q) c += shards_[static_cast<std::size_t>(k)].posts.contains(post[q]);
        done[static_cast<std::size_t>(k)].reserve(c);
    }
    if (maxd >= delay_count_.size()) delay_count_.resize(static_cast<std::size_t>(maxd) + 1, 0);
    make_dynamic();
    ThreadErrors errs(nsh);
#pragma omp parallel for num_threads(nsh) schedule(static, 1)
    for (int k = 0; k < nsh; ++k)
        errs.guard(k, [&] {
            Shard& sh = shards_[static_cast<std::size_t>(k)];
            auto& dn = done[static_cast<std::size_t>(k)];
            for (std::size_t q = 0; q < m; ++q)
                if (sh.posts.contains(post[q])) {
                    sh.insert(pre[q], (delay[q] << post_bits_) | (post[q] - sh.posts.begin), w[q], mask_);
                    dn.push_back(q);  // reserved: cannot throw
                }
        });
    if (errs.failed()) {
        for (int k = 0; k < nsh; ++k) {
            Shard& sh = shards_[static_cast<std::size_t>(k)];
            const auto& dn = done[static_cast<std::size_t>(k)];
            for (auto it = dn.rbegin(); it != dn.rend(); ++it) {
                // the newest synapse of its (pre, pd) is the last one with that pd in the row
                const std::size_t q = *it;
                const std::uint32_t pdv = (delay[q] << post_bits_) | (post[q] - sh.posts.begin);
                const auto b = sh.pd.begin() + static_cast<std::ptrdiff_t>(sh.row_ptr[pre[q]]);
                const auto e = sh.pd.begin() + static_cast<std::ptrdiff_t>(sh.row_end[pre[q]]);
                const auto pos = std::upper_bound(b, e, pdv) - 1;
                sh.erase(pre[q], static_cast<std::uint64_t>(pos - sh.pd.begin()), mask_);
            }
            sh.drop_rev();
        }
        ++version_;
        errs.rethrow();
    }
    for (std::uint32_t d : delay) ++delay_count_[d];
    update_delays();
    after_change();
    return m;
}

// All or nothing: what may fail (the canonical snapshot, the reverse indexes) comes first; erasing then allocates
// nothing.
void Projection::remove_synapses(const std::vector<std::uint64_t>& canonical) {
    if (canonical.empty()) return;
    Gathered g = gather(true);
    for (std::uint64_t q : canonical)
        if (q >= g.w.size())
            throw ArgumentError("remove_synapses: synapse index " + std::to_string(q) + " out of range for " +
                                std::to_string(g.w.size()) + " synapses");
    const int nsh = static_cast<int>(shards_.size());
    // per shard: (offset, pre) of the synapses to erase, highest offset first (erasing shifts only what follows)
    std::vector<std::vector<std::pair<std::uint64_t, index_t>>> todo(static_cast<std::size_t>(nsh));
    std::vector<std::uint64_t> gone(delay_count_.size(), 0);
    std::vector<char> mark(g.w.size(), 0);
    for (std::uint64_t q : canonical) {
        if (mark[q]) continue;
        mark[q] = 1;
        todo[g.shard[q]].emplace_back(g.offset[q], g.pre[q]);
        ++gone[g.delay[q]];
    }
    make_dynamic();
    try {
        parallel_for_threads(nsh, [&](int k) { shards_[static_cast<std::size_t>(k)].ensure_rev(); });
    } catch (...) {
        for (auto& sh : shards_) sh.drop_rev();
        throw;
    }
    parallel_for_threads(nsh, [&](int k) {
        auto& list = todo[static_cast<std::size_t>(k)];
        std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
        Shard& sh = shards_[static_cast<std::size_t>(k)];
        for (const auto& [off, j] : list) sh.erase(j, off, mask_);
    });
    for (std::size_t d = 0; d < gone.size(); ++d) delay_count_[d] -= gone[d];
    update_delays();
    after_change();
}

// Each shard compacts all or nothing; the synapses and their order never change, only their offsets (hence the
// version bump, also when a shard could not be compacted).
void Projection::compact() {
    if (!dynamic_) return;
    mirrors_dirty_ = true;
    const int nsh = static_cast<int>(shards_.size());
    try {
        parallel_for_threads(nsh, [&](int k) { shards_[static_cast<std::size_t>(k)].compact(pre_->size(), mask_); });
    } catch (...) {
        ++version_;
        throw;
    }
    ++version_;
}

// After a structural change: compact shards whose slack and garbage exceed a quarter of their live synapses,
// and bump the version so that monitors re-locate what they record.
// The change itself is complete here, so a compaction that cannot be allocated is skipped (the store stays valid
// and is compacted at a later change) rather than reported as a failure of a change that succeeded.
void Projection::after_change() {
    mirrors_dirty_ = true;
    for (auto& sh : shards_) {
        // slack + garbage (forward store or post index) above a quarter of the live synapses: compact (O(slots));
        // each relocation adds at most a row's length of garbage, so this is amortised O(1) per change
        const std::size_t limit = sh.live + sh.live / 4 + 1024;
        if (sh.slots() > limit || sh.pm_pre.size() > limit) {
            try {
                sh.compact(pre_->size(), mask_);
            } catch (const std::bad_alloc&) {
            }
        }
        sh.drop_rev();
    }
    ++version_;
}

}  // namespace pyneuro

namespace pyneuro {

std::string Projection::check() const {
    const index_t n_pre = pre_->size();
    std::size_t total = 0;
    std::vector<std::uint64_t> per_delay(delay_count_.size(), 0);
    for (std::size_t k = 0; k < shards_.size(); ++k) {
        const Shard& sh = shards_[k];
        const std::string at = "shard " + std::to_string(k) + ": ";
        std::vector<std::uint32_t> seen_pm;  // how often each slot is referenced by the post index
        if (sh.indexed()) seen_pm.assign(sh.slots(), 0);
        std::size_t live = 0;
        for (index_t j = 0; j < n_pre; ++j) {
            if (sh.row_end[j] < sh.row_ptr[j]) return at + "row end before begin";
            if (sh.dynamic() && sh.row_cap[j] < sh.row_end[j]) return at + "row beyond its capacity";
            if (!std::is_sorted(sh.pd.begin() + sh.row_ptr[j], sh.pd.begin() + sh.row_end[j])) return at + "row not sorted";
            for (std::uint64_t q = sh.row_ptr[j]; q < sh.row_end[j]; ++q) {
                ++live;
                const std::uint32_t d = sh.pd[q] >> post_bits_;
                if (d >= per_delay.size()) return at + "delay not counted";
                ++per_delay[d];
                if ((sh.pd[q] & mask_) >= sh.posts.size()) return at + "target outside the shard";
            }
        }
        if (live != sh.live) return at + "live count " + std::to_string(sh.live) + " != " + std::to_string(live);
        total += live;
        if (sh.indexed()) {
            std::size_t entries = 0;
            for (index_t li = 0; li < sh.posts.size(); ++li)
                for (std::uint64_t m = sh.pm_ptr[li]; m < sh.pm_end[li]; ++m) {
                    ++entries;
                    const std::uint32_t q = sh.pm_syn[m];
                    const index_t j = sh.pm_pre[m];
                    if (q < sh.row_ptr[j] || q >= sh.row_end[j]) return at + "post index points outside its pre row";
                    if ((sh.pd[q] & mask_) != li) return at + "post index entry under the wrong post";
                    if (sh.rev_on && sh.rev[q] != m) return at + "reverse index disagrees";
                    ++seen_pm[q];
                }
            if (entries != live) return at + "post index holds " + std::to_string(entries) + " entries for " + std::to_string(live);
            for (index_t j = 0; j < n_pre; ++j)
                for (std::uint64_t q = sh.row_ptr[j]; q < sh.row_end[j]; ++q)
                    if (seen_pm[q] != 1) return at + "a synapse is not indexed exactly once";
        }
    }
    for (std::size_t d = 0; d < per_delay.size(); ++d)
        if (per_delay[d] != delay_count_[d]) return "delay histogram disagrees at delay " + std::to_string(d);
    std::vector<int> want;
    for (std::size_t d = 0; d < per_delay.size(); ++d)
        if (per_delay[d]) want.push_back(static_cast<int>(d));
    if (want != delays_) return "delay list disagrees";
    if (total != size()) return "size disagrees";
    return "";
}

}  // namespace pyneuro

namespace pyneuro {

// All or nothing, as add_rule.
void Projection::add_structural(std::unique_ptr<StructuralRule> r, step_t now) {
    const std::size_t ncols = shards_.empty() ? 0 : shards_[0].cols.size();
    structural_next_.reserve(structural_next_.size() + 1);
    structural_.reserve(structural_.size() + 1);
    try {
        r->attach(*this);
    } catch (...) {
        for (auto& sh : shards_) sh.cols.resize(ncols);
        throw;
    }
    structural_next_.push_back((now / r->interval + 1) * r->interval);
    structural_.push_back(std::move(r));
}

void Projection::begin_structural() {
    make_dynamic();
    const std::size_t n = static_cast<std::size_t>(ring_delay()) + 1;
    delay_delta_.assign(shards_.size(), std::vector<std::int64_t>(n, 0));
    if (delay_count_.size() < n) delay_count_.resize(n, 0);  // end_structural then allocates nothing
}

// The delay histogram follows only what really changed: a failed insert (or erase) changes nothing, counts nothing.
std::uint64_t Projection::insert_local(int k, index_t pre, index_t post, std::uint32_t delay, float w) {
    Shard& sh = shards_[static_cast<std::size_t>(k)];
    const std::uint64_t pos = sh.insert(pre, (delay << post_bits_) | (post - sh.posts.begin), w, mask_);
    ++delay_delta_[static_cast<std::size_t>(k)][delay];
    return pos;
}

void Projection::erase_local(int k, index_t pre, std::uint64_t offset) {
    Shard& sh = shards_[static_cast<std::size_t>(k)];
    const std::uint32_t d = sh.pd[offset] >> post_bits_;
    sh.erase(pre, offset, mask_);
    --delay_delta_[static_cast<std::size_t>(k)][d];
}

// Also called after a failed mutation phase: it completes the bookkeeping of whatever did change.
void Projection::end_structural() {
    for (const auto& dd : delay_delta_)
        for (std::size_t d = 0; d < dd.size(); ++d)
            if (dd[d] != 0) count_delay(static_cast<std::uint32_t>(d), static_cast<int>(dd[d]));
    delay_delta_.clear();
    update_delays();
    after_change();
}

bool Projection::has_synapse(int k, index_t pre, index_t post) const {
    const Shard& sh = shards_[static_cast<std::size_t>(k)];
    const index_t li = post - sh.posts.begin;
    for (std::uint64_t q = sh.row_ptr[pre]; q < sh.row_end[pre]; ++q)
        if ((sh.pd[q] & mask_) == li) return true;
    return false;
}

std::uint32_t Projection::count_synapses(int k, index_t pre, index_t post) const {
    const Shard& sh = shards_[static_cast<std::size_t>(k)];
    const index_t li = post - sh.posts.begin;
    std::uint32_t n = 0;
    for (std::uint64_t q = sh.row_ptr[pre]; q < sh.row_end[pre]; ++q) n += (sh.pd[q] & mask_) == li;
    return n;
}

int Projection::shard_of(index_t post) const {
    for (std::size_t k = 0; k < shards_.size(); ++k)
        if (shards_[k].posts.contains(post)) return static_cast<int>(k);
    return static_cast<int>(shards_.size()) - 1;
}

std::vector<std::uint32_t> Projection::in_degrees(int k) const {
    const Shard& sh = shards_[static_cast<std::size_t>(k)];
    std::vector<std::uint32_t> deg(sh.posts.size(), 0);
    if (sh.indexed()) {
        for (index_t li = 0; li < sh.posts.size(); ++li) deg[li] = sh.pm_end[li] - sh.pm_ptr[li];
    } else {
        for (index_t j = 0; j < pre_->size(); ++j)
            for (std::uint64_t q = sh.row_ptr[j]; q < sh.row_end[j]; ++q) ++deg[sh.pd[q] & mask_];
    }
    return deg;
}

std::vector<std::uint32_t> Projection::all_in_degrees() const {
    std::vector<std::uint32_t> deg(post_->size(), 0);
    for (std::size_t k = 0; k < shards_.size(); ++k) {
        const auto d = in_degrees(static_cast<int>(k));
        std::copy(d.begin(), d.end(), deg.begin() + shards_[k].posts.begin);
    }
    return deg;
}

std::vector<std::uint32_t> Projection::out_degrees() const {
    std::vector<std::uint32_t> deg(pre_->size(), 0);
    for (const auto& sh : shards_)
        for (index_t j = 0; j < pre_->size(); ++j) deg[j] += sh.row_end[j] - sh.row_ptr[j];
    return deg;
}

std::vector<std::tuple<int, index_t, std::uint64_t>> Projection::incoming(index_t post) const {
    const int k = shard_of(post);
    const Shard& sh = shards_[static_cast<std::size_t>(k)];
    const index_t li = post - sh.posts.begin;
    std::vector<std::tuple<int, index_t, std::uint64_t>> out;
    if (sh.indexed()) {
        for (std::uint64_t m = sh.pm_ptr[li]; m < sh.pm_end[li]; ++m) out.emplace_back(k, sh.pm_pre[m], sh.pm_syn[m]);
        std::sort(out.begin(), out.end());  // by pre, then offset (= delay, then creation, within a row)
    } else {
        for (index_t j = 0; j < pre_->size(); ++j)
            for (std::uint64_t q = sh.row_ptr[j]; q < sh.row_end[j]; ++q)
                if ((sh.pd[q] & mask_) == li) out.emplace_back(k, j, q);
    }
    return out;
}

std::vector<std::tuple<int, index_t, std::uint64_t>> Projection::outgoing(index_t pre) const {
    // canonical: by delay, then post, then creation (offset within the row)
    std::vector<std::tuple<std::uint32_t, index_t, int, std::uint64_t>> key;
    for (std::size_t k = 0; k < shards_.size(); ++k) {
        const Shard& sh = shards_[k];
        for (std::uint64_t q = sh.row_ptr[pre]; q < sh.row_end[pre]; ++q)
            key.emplace_back(sh.pd[q] >> post_bits_, sh.posts.begin + (sh.pd[q] & mask_), static_cast<int>(k), q);
    }
    std::sort(key.begin(), key.end());
    std::vector<std::tuple<int, index_t, std::uint64_t>> out;
    out.reserve(key.size());
    for (const auto& [d, i, k, q] : key) out.emplace_back(k, pre, q);
    return out;
}

}  // namespace pyneuro
