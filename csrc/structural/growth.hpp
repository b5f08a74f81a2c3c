// Design notes: synaptogenesis. Three rules create synapses into the posts of each shard (thread k decides and
// inserts for its own neurons; each post neuron's decisions come from its own stream keyed by (projection, rule,
// post, epoch)):
//   Growth           every post neuron gains Poisson(rate x interval) new synapses; presynaptic partners are drawn
//                    uniformly, or with probability exp(-d^2 / 2 sigma^2) of their distance (positions; rejection
//                    sampling, at most 1000 proposals per synapse), optionally capped at max_in_degree;
//   Sprouting        after a lesion, surviving presynaptic neurons (those with at least one synapse left in this
//                    projection) grow onto deafferented targets: a post neuron that has lost d of its inputs (against
//                    its in-degree when the rule was attached) gains Poisson(rate x d x interval) synapses, at most d,
//                    from survivors within `reach` (positions; 0 = any distance);
//   HomeostaticGrowth activity-dependent growth after Butz & van Ooyen 2013: every neuron has synaptic elements,
//                    axonal z_a (presynaptic side) and dendritic z_d (postsynaptic side), that grow or retract with its
//                    calcium-like rate estimate nu (an exponential average over tau_ca): dz/dt = growth (1 - nu/target)
//                    (the linear growth curve); a neuron with more synapses than floor(z) loses random ones; free
//                    elements (floor(z) - synapses) are paired at random, partners chosen with probability
//                    proportional to their free elements. The pairing is global, so it runs in plan() (serial, one
//                    stream per epoch); the shards then apply the removals and insertions in parallel.
// New synapses get weights and delays from the rule's distributions (delays clamped to [1 step, max_delay]) and
// fresh rule state (columns 0). Lesioned neurons neither gain nor give synapses.
// Bounds (what a projection can hold): one (pre, post) pair holds at most max_multapses synapses with multapses, 1
// without; so a post neuron has room for (eligible partners x that) synapses. Growth draws at most the room a neuron
// has left per test, and HomeostaticGrowth uses at most that many elements of a neuron, so the work of a test is
// bounded by the projection's capacity whatever the rates (the Python layer refuses rates beyond it).
#pragma once
#include <algorithm>
#include <cmath>
#include <numeric>

#include "../synapses/projection.hpp"
#include "../synapses/values.hpp"
#include "structural_rule.hpp"

namespace pyneuro {

// weight / delay distributions of new synapses, lowered from Python as <prefix>_kind/_a/_b/_lo/_hi
inline ValueSpec value_spec(const ParamMap& p, const std::string& prefix) {
    ValueSpec v;
    const int kind = static_cast<int>(param(p, prefix + "_kind"));
    v.kind = kind == 0 ? ValueSpec::Kind::scalar : (kind == 1 ? ValueSpec::Kind::uniform : ValueSpec::Kind::normal);
    v.a = param(p, prefix + "_a");
    v.b = param_or(p, prefix + "_b", 0.0);
    v.lo = param_or(p, prefix + "_lo", -1e300);
    v.hi = param_or(p, prefix + "_hi", 1e300);
    v.redraw = param_or(p, prefix + "_redraw", 0.0) != 0.0;
    return v;
}

class GrowthBase : public StructuralRule {
public:
    explicit GrowthBase(const ParamMap& p) : wspec(value_spec(p, "w")), dspec(value_spec(p, "d")) {
        interval = steps_param(p, "interval_steps");
        dt = param(p, "dt");
        allow_self = param_or(p, "allow_self", 0.0) != 0.0;
        allow_multapses = param_or(p, "allow_multapses", 0.0) != 0.0;
        max_multapses = static_cast<std::uint32_t>(std::clamp(param_or(p, "max_multapses", 100.0), 1.0, 2147483647.0));
    }
    // synapses one (pre, post) pair may have
    std::uint32_t per_pair() const { return allow_multapses ? max_multapses : 1u; }
    // room of one neuron: eligible partners (n, less itself on a recurrent projection without self connections)
    // times per_pair(), saturating
    std::uint64_t room(Projection& p, index_t n) const {
        const std::uint64_t eligible = n - ((&p.pre() == &p.post() && !allow_self && n > 0) ? 1u : 0u);
        return eligible * per_pair();
    }

protected:
    std::uint32_t object(const Projection& p, const StructCtx& c) const {
        return (static_cast<std::uint32_t>(p.id()) << 8) ^ static_cast<std::uint32_t>(c.rule_index);
    }
    // create j -> (global) i in shard k, weight and delay from s; false when refused (self, multapse)
    bool create(Projection& p, int k, index_t j, index_t i, RngStream& s, const StructCtx& c, std::vector<StructEvent>& log) {
        if (!allow_self && &p.pre() == &p.post() && i == j) return false;
        if (p.pre().lesioned(j) || p.post().lesioned(i)) return false;  // lesioned neurons grow nothing
        if (!allow_multapses ? p.has_synapse(k, j, i) : p.count_synapses(k, j, i) >= max_multapses) return false;
        const float w = static_cast<float>(std::max(0.0, wspec.get(s, 0)));
        const double dms = dspec.get(s, 0);
        std::uint32_t d = static_cast<std::uint32_t>(std::max(1.0, std::floor(dms / dt + 0.5 + 1e-9)));
        d = std::min(d, p.ring_delay());
        reserve_event(log);
        p.insert_local(k, j, i, d, w);
        log.push_back({c.t, StructEvent::created, p.id(), j, i, w});  // reserved: cannot fail
        return true;
    }
    ValueSpec wspec, dspec;
    double dt;
    bool allow_self, allow_multapses;
    std::uint32_t max_multapses;
};

class Growth final : public GrowthBase {
public:
    explicit Growth(const ParamMap& p) : GrowthBase(p) {
        rate = param(p, "rate");
        sigma = param(p, "sigma");
        max_in = static_cast<std::uint32_t>(param(p, "max_in_degree"));
    }
    void apply(Projection& p, int k, const StructCtx& c, std::vector<StructEvent>& log) override {
        Shard& s = p.shards()[static_cast<std::size_t>(k)];
        const double lam = rate * static_cast<double>(interval) * dt * 1e-3;
        const bool dist = sigma > 0.0 && p.pre().has_positions() && p.post().has_positions();
        const double inv2s2 = dist ? 1.0 / (2.0 * sigma * sigma) : 0.0;
        const std::vector<std::uint32_t> indeg = p.in_degrees(k);
        const index_t n_pre = p.pre().size();
        const std::uint64_t full = room(p, n_pre);
        for (index_t li = 0; li < s.posts.size(); ++li) {
            const index_t i = s.posts.begin + li;
            if (max_in > 0 && indeg[li] >= max_in) continue;  // full: no draw at all
            RngStream st(*c.rng, RngDomain::structural, object(p, c), i, c.epoch);
            std::uint32_t n = poisson_count(st, lam);
            if (max_in > 0) n = std::min<std::uint32_t>(n, max_in - indeg[li]);
            // at most the room left (what the neuron can still hold; beyond it every proposal would be refused)
            n = static_cast<std::uint32_t>(std::min<std::uint64_t>(n, full > indeg[li] ? full - indeg[li] : 0));
            for (std::uint32_t m = 0; m < n; ++m)
                for (int tries = 0; tries < 1000; ++tries) {
                    const index_t j = st.below(n_pre);
                    if (dist && st.uniform() >= std::exp(-p.post().dist2(i, p.pre(), j) * inv2s2)) continue;
                    if (create(p, k, j, i, st, c, log)) break;
                }
        }
    }
    double rate, sigma;
    std::uint32_t max_in;
};

class Sprouting final : public GrowthBase {
public:
    explicit Sprouting(const ParamMap& p) : GrowthBase(p) {
        rate = param(p, "rate");
        reach = param(p, "reach");
    }
    void attach(Projection& p) override { baseline_ = p.all_in_degrees(); }
    void plan(Projection& p, const StructCtx& c) override {
        auto out = p.out_degrees();
        if (c.distributed()) c.comm->sum(out);  // the survivors of the whole projection
        survivors_.clear();
        for (index_t j = 0; j < out.size(); ++j)
            if (out[j] > 0) survivors_.push_back(j);
    }
    void apply(Projection& p, int k, const StructCtx& c, std::vector<StructEvent>& log) override {
        if (survivors_.empty()) return;
        Shard& s = p.shards()[static_cast<std::size_t>(k)];
        const auto indeg = p.in_degrees(k);
        const double per = rate * static_cast<double>(interval) * dt * 1e-3;
        const bool dist = reach > 0.0 && p.pre().has_positions() && p.post().has_positions();
        const double r2 = reach * reach;
        const auto nsurv = static_cast<std::uint32_t>(survivors_.size());
        for (index_t li = 0; li < s.posts.size(); ++li) {
            const index_t i = s.posts.begin + li;
            // neurons added later have no baseline; lesioned targets regrow nothing
            if (i >= baseline_.size() || indeg[li] >= baseline_[i] || p.post().lesioned(i)) continue;
            const std::uint32_t deficit = baseline_[i] - indeg[li];
            RngStream st(*c.rng, RngDomain::structural, object(p, c), i, c.epoch);
            const std::uint32_t n = std::min(deficit, poisson_count(st, per * deficit));
            for (std::uint32_t m = 0; m < n; ++m)
                for (int tries = 0; tries < 1000; ++tries) {
                    const index_t j = survivors_[st.below(nsurv)];
                    if (dist && p.post().dist2(i, p.pre(), j) > r2) continue;
                    if (create(p, k, j, i, st, c, log)) break;
                }
        }
    }
    void save(StateDict& d, const std::string& prefix, const Projection&) const override { put(d, prefix + "baseline", baseline_); }
    void load(const StateDict& d, const std::string& prefix, Projection& p) override {
        auto b = take<std::uint32_t>(d, prefix + "baseline");
        require(b.size() <= p.post().size(), prefix + "baseline", "more values than target neurons");
        baseline_ = std::move(b);
    }
    double rate, reach;

private:
    std::vector<std::uint32_t> baseline_;  // in-degree per post neuron when the rule was attached
    std::vector<index_t> survivors_;
};

class HomeostaticGrowth final : public GrowthBase {
public:
    explicit HomeostaticGrowth(const ParamMap& p) : GrowthBase(p) {
        target = param(p, "target_rate");
        growth = param(p, "growth_rate");
        tau_ca = param(p, "tau_ca");
    }
    void attach(Projection& p) override {
        ca_pre = &p.pre().trace(tau_ca, TraceMode::all_to_all);
        ca_post = &p.post().trace(tau_ca, TraceMode::all_to_all);
    }
    void plan(Projection& p, const StructCtx& c) override {
        const index_t n_pre = p.pre().size(), n_post = p.post().size();
        const int ns = p.n_threads();
        auto in = p.all_in_degrees();
        auto out = p.out_degrees();
        // several ranks: this rank holds the synapses into its posts [own.begin, own.end); the degrees are summed
        // over the ranks, and what a retraction needs of other ranks' synapses is gathered (see below)
        const bool dist = c.distributed();
        const Range own = dist ? Range{p.shards().front().posts.begin, p.shards().back().posts.end} : Range{0, n_post};
        if (dist) {
            c.comm->sum(in);
            c.comm->sum(out);
        }
        // elements start equal to the present synapse counts (first epoch, and neurons added since)
        for (index_t j = static_cast<index_t>(za.size()); j < n_pre; ++j) za.push_back(out[j]);
        for (index_t i = static_cast<index_t>(zd.size()); i < n_post; ++i) zd.push_back(in[i]);
        const double g = growth * static_cast<double>(interval) * dt * 1e-3;
        for (index_t j = 0; j < n_pre; ++j) za[j] = std::max(0.0, za[j] + g * (1.0 - ca_pre->value_at(j, c.t - 1) / tau_ca * 1e3 / target));
        for (index_t i = 0; i < n_post; ++i) zd[i] = std::max(0.0, zd[i] + g * (1.0 - ca_post->value_at(i, c.t - 1) / tau_ca * 1e3 / target));
        // retraction: synapses of neurons with fewer elements than synapses, chosen at random in canonical order
        const std::uint32_t obj = object(p, c);
        RngStream st(*c.rng, RngDomain::structural, obj, 0xFFFFFFFFu, c.epoch);
        del_.assign(static_cast<std::size_t>(ns), {});
        add_.assign(static_cast<std::size_t>(ns), {});
        std::vector<std::vector<char>> gone(static_cast<std::size_t>(ns));
        for (int k = 0; k < ns; ++k) gone[static_cast<std::size_t>(k)].assign(p.shards()[static_cast<std::size_t>(k)].slots(), 0);
        auto drop = [&](int k, index_t j, std::uint64_t q) {
            char& g0 = gone[static_cast<std::size_t>(k)][q];
            if (g0) return false;
            g0 = 1;
            del_[static_cast<std::size_t>(k)].emplace_back(j, q);
            const Shard& s = p.shards()[static_cast<std::size_t>(k)];
            --in[s.posts.begin + (s.pd[q] & p.post_mask())];
            --out[j];
            return true;
        };
        // usable elements: floor(z), at most the room of the neuron (elements beyond it could never be paired)
        const std::uint64_t room_d = room(p, n_pre), room_a = room(p, n_post);
        auto usable = [](double z, std::uint64_t cap) -> std::uint64_t {
            return z >= static_cast<double>(cap) ? cap : static_cast<std::uint64_t>(std::floor(z));
        };
        std::vector<std::uint32_t> out_lost;  // several ranks: the out-degrees this rank's dendritic retractions take
        if (dist) out_lost.assign(n_pre, 0);
        for (index_t i = 0; i < n_post; ++i) {
            const std::uint64_t keep = usable(zd[i], room_d);
            if (in[i] <= keep) continue;
            if (!own.contains(i)) {  // another rank's post: the same draws (one each), its owner drops the synapses
                std::uint32_t left = in[i];
                for (std::uint32_t m = static_cast<std::uint32_t>(in[i] - keep); m > 0 && left > 0; --m, --left) st.below(left);
                in[i] = static_cast<std::uint32_t>(keep);
                continue;
            }
            auto syn = p.incoming(i);  // (shard, pre, offset) in canonical order
            std::uint32_t excess = static_cast<std::uint32_t>(in[i] - keep);
            for (std::uint32_t m = 0; m < excess && !syn.empty(); ++m) {
                const std::size_t r = st.below(static_cast<std::uint32_t>(syn.size()));
                const auto [k, j, q] = syn[r];
                syn.erase(syn.begin() + static_cast<std::ptrdiff_t>(r));
                if (!drop(k, j, q)) ++excess;
                if (dist) ++out_lost[j];
            }
        }
        if (dist) {
            // out-degrees after every rank's dendritic retractions (drop() took this rank's share already)
            for (index_t j = 0; j < n_pre; ++j) out[j] += out_lost[j];
            c.comm->sum(out_lost);
            for (index_t j = 0; j < n_pre; ++j) out[j] -= out_lost[j];
            // axonal retraction: the presynaptic neurons with more synapses than elements, and each one's synapses
            // on every rank as (delay, post, gone), in the canonical order of one process: by delay, then post, then
            // creation (the synapses of one post are on one rank, in their order there)
            std::vector<index_t> over;
            for (index_t j = 0; j < n_pre; ++j)
                if (out[j] > usable(za[j], room_a)) over.push_back(j);
            std::vector<std::vector<std::tuple<int, index_t, std::uint64_t>>> mine(over.size());
            std::vector<std::uint32_t> msg;
            for (std::size_t x = 0; x < over.size(); ++x) {
                mine[x] = p.outgoing(over[x]);
                msg.push_back(static_cast<std::uint32_t>(mine[x].size()));
                for (const auto& [k, j, q] : mine[x]) {
                    const Shard& sh = p.shards()[static_cast<std::size_t>(k)];
                    msg.push_back(sh.pd[q] >> p.post_bits());
                    msg.push_back(sh.posts.begin + (sh.pd[q] & p.post_mask()));
                    msg.push_back(gone[static_cast<std::size_t>(k)][q] ? 1u : 0u);
                }
            }
            const std::vector<std::uint32_t> all = c.comm->gather_varying(msg);
            struct Entry {
                std::uint32_t delay, post, gone, rank, at;
            };
            std::vector<std::vector<Entry>> syns(over.size());
            std::size_t pos = 0;
            for (std::uint32_t r = 0; r < static_cast<std::uint32_t>(c.comm->size()); ++r)
                for (std::size_t x = 0; x < over.size(); ++x) {
                    const std::uint32_t n = all.at(pos++);
                    for (std::uint32_t a = 0; a < n; ++a, pos += 3) syns[x].push_back({all.at(pos), all.at(pos + 1), all.at(pos + 2), r, a});
                }
            const auto me = static_cast<std::uint32_t>(c.comm->rank());
            for (std::size_t x = 0; x < over.size(); ++x) {
                const index_t j = over[x];
                auto& syn = syns[x];
                std::stable_sort(syn.begin(), syn.end(), [](const Entry& a, const Entry& b) {
                    return a.delay != b.delay ? a.delay < b.delay : a.post < b.post;
                });
                std::uint32_t excess = static_cast<std::uint32_t>(out[j] - usable(za[j], room_a));
                for (std::uint32_t m = 0; m < excess && !syn.empty(); ++m) {
                    const std::size_t r = st.below(static_cast<std::uint32_t>(syn.size()));
                    const Entry e = syn[r];
                    syn.erase(syn.begin() + static_cast<std::ptrdiff_t>(r));
                    if (e.gone) {
                        ++excess;
                    } else if (e.rank == me) {
                        const auto [k, jj, q] = mine[x][e.at];
                        drop(k, jj, q);
                    } else {
                        --in[e.post];
                        --out[j];
                    }
                }
            }
        }
        for (index_t j = 0; j < n_pre && !dist; ++j) {
            const std::uint64_t keep = usable(za[j], room_a);
            if (out[j] <= keep) continue;
            auto syn = p.outgoing(j);
            std::uint32_t excess = static_cast<std::uint32_t>(out[j] - keep);
            for (std::uint32_t m = 0; m < excess && !syn.empty(); ++m) {
                const std::size_t r = st.below(static_cast<std::uint32_t>(syn.size()));
                const auto [k, jj, q] = syn[r];
                syn.erase(syn.begin() + static_cast<std::ptrdiff_t>(r));
                if (!drop(k, jj, q)) ++excess;
            }
        }
        // pairing of free elements: posts in order, partners with probability proportional to free axonal elements
        std::vector<std::int64_t> free_a(n_pre);
        std::int64_t total = 0;
        for (index_t j = 0; j < n_pre; ++j) {
            free_a[j] = std::max<std::int64_t>(0, static_cast<std::int64_t>(usable(za[j], room_a)) - out[j]);
            total += free_a[j];
        }
        Fenwick fw(free_a);
        for (index_t i = 0; i < n_post && total > 0; ++i) {
            std::int64_t want = static_cast<std::int64_t>(usable(zd[i], room_d)) - in[i];
            for (; want > 0 && total > 0; --want) {
                index_t j = 0;
                bool ok = false;
                for (int tries = 0; tries < 16 && !ok; ++tries) {
                    j = fw.find(static_cast<std::int64_t>(st.uniform() * static_cast<double>(total)));
                    ok = allow_self || &p.pre() != &p.post() || j != i;
                }
                if (!ok) break;
                fw.add(j, -1);
                --total;
                if (own.contains(i)) add_[static_cast<std::size_t>(p.shard_of(i))].push_back({j, i});
            }
        }
    }
    void apply(Projection& p, int k, const StructCtx& c, std::vector<StructEvent>& log) override {
        auto& dl = del_[static_cast<std::size_t>(k)];
        std::sort(dl.begin(), dl.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
        Shard& s = p.shards()[static_cast<std::size_t>(k)];
        for (const auto& [j, q] : dl) {
            const StructEvent ev{c.t, StructEvent::pruned, p.id(), j, s.posts.begin + (s.pd[q] & p.post_mask()), s.w[q]};
            reserve_event(log);
            p.erase_local(k, j, q);
            log.push_back(ev);
        }
        for (const auto& [j, i] : add_[static_cast<std::size_t>(k)]) {
            RngStream st(*c.rng, RngDomain::structural, object(p, c) ^ 0x800000u, i, (c.epoch << 20) ^ j);
            create(p, k, j, i, st, c, log);
        }
    }
    void save(StateDict& d, const std::string& prefix, const Projection&) const override {
        put(d, prefix + "z_axonal", za);
        put(d, prefix + "z_dendritic", zd);
    }
    void load(const StateDict& d, const std::string& prefix, Projection& p) override {
        auto a = take<double>(d, prefix + "z_axonal");
        auto b = take<double>(d, prefix + "z_dendritic");
        require(a.size() <= p.pre().size(), prefix + "z_axonal", "more values than source neurons");
        require(b.size() <= p.post().size(), prefix + "z_dendritic", "more values than target neurons");
        require_finite(a, prefix + "z_axonal", 0.0);
        require_finite(b, prefix + "z_dendritic", 0.0);
        za = std::move(a);
        zd = std::move(b);
    }
    double target, growth, tau_ca;
    std::vector<double> za, zd;

private:
    struct Fenwick {
        explicit Fenwick(const std::vector<std::int64_t>& v) : t(v.size() + 1, 0) {
            for (std::size_t q = 0; q < v.size(); ++q) add(static_cast<index_t>(q), v[q]);
        }
        void add(index_t q, std::int64_t d) {
            for (std::size_t x = q + 1; x < t.size(); x += x & (~x + 1)) t[x] += d;
        }
        // smallest q with prefix sum (0..q) > r
        index_t find(std::int64_t r) const {
            std::size_t pos = 0, step = 1;
            while (step * 2 < t.size()) step *= 2;
            for (; step > 0; step /= 2)
                if (pos + step < t.size() && t[pos + step] <= r) {
                    pos += step;
                    r -= t[pos];
                }
            return static_cast<index_t>(pos);
        }
        std::vector<std::int64_t> t;
    };
    SpikeTrace *ca_pre = nullptr, *ca_post = nullptr;
    std::vector<std::vector<std::pair<index_t, std::uint64_t>>> del_;
    std::vector<std::vector<std::pair<index_t, index_t>>> add_;
};

}  // namespace pyneuro
