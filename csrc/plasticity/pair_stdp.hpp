// Design notes: pair-based STDP (Song, Miller & Abbott 2000; Bi & Poo 1998), as in Brian2's STDP example.
//   presynaptic arrival at t:   w += a_post * x_post(t) * f_-(w)      (a_post < 0 gives depression)
//   postsynaptic spike at t:    w += a_pre  * x_pre(t - d) * f_+(w)   (x_pre read at the synapse: t - delay)
// Traces are unit-jump traces of the population (tau_pre on the presynaptic, tau_post on the postsynaptic side):
//   interaction "all_to_all": every earlier spike counts (x += 1);  "nearest": only the latest (x = 1).
// Weight dependence, with u = (w - w_min) / (w_max - w_min):
//   additive:        f_+ = 1,            f_- = 1
//   multiplicative:  f_+ = 1,            f_- = u          (van Rossum, Bi & Turrigiano 2000)
//   power_law:       f_+ = (1 - u)^mu,   f_- = u^mu        (Gütig et al. 2003; mu = 0 is additive)
//   morrison:        f_+ = w0^(1 - mu) w^mu,  f_- = w      (Morrison, Aertsen & Diesmann 2007; NEST's
//                    stdp_pl_synapse_hom with a_pre = lambda, a_post = -lambda alpha, w0 = 1 weight unit)
// and w is clipped to [w_min, w_max] after every update. An optional activity scaling (metaplasticity.hpp)
// multiplies the LTP and LTD amplitudes by powers of a neuron's recent rate. The transmitted weight is the one found before the
// arrival's own update.
// Young neurons (neurogenesis, Population::plasticity_gain): the post-spike half for post i is multiplied by
// gain_i(t) (1 when the post population has no maturation: a null check); the pre-arrival half is not.
#pragma once
#include <algorithm>
#include <cmath>

#include "../synapses/projection.hpp"
#include "metaplasticity.hpp"
#include "post_loop.hpp"
#include "rule.hpp"

namespace pyneuro {

class PairSTDP final : public Rule {
public:
    enum class Dep { additive = 0, multiplicative = 1, power_law = 2, morrison = 3 };

    explicit PairSTDP(const ParamMap& p) {
        tau_pre = param(p, "tau_pre");
        tau_post = param(p, "tau_post");
        a_pre = param(p, "a_pre");
        a_post = param(p, "a_post");
        w_min = param(p, "w_min");
        w_max = param(p, "w_max");
        mode = static_cast<int>(param(p, "interaction")) == 1 ? TraceMode::nearest : TraceMode::all_to_all;
        dep = static_cast<Dep>(static_cast<int>(param(p, "weight_dependence")));
        mu = param_or(p, "mu", 1.0);
        w0 = param_or(p, "w0", 1.0);
        meta.configure(p);
    }
    void attach(Projection& p) override {
        xpre = &p.pre().trace(tau_pre, mode);
        xpost = &p.post().trace(tau_post, mode);
        p.mirror_pre_trace(*xpre);  // read by the post-spike loop at the arrival time
        meta.attach(p);
    }

    float clip(double w) const { return static_cast<float>(std::clamp(w, w_min, w_max)); }

    void on_pre(Projection& p, Shard& s, index_t pre, std::uint64_t b, std::uint64_t e, step_t t) override {
        double f = 1.0;
        if (meta.on()) {
            if (!meta.pre_side) return meta_pre(p, s, b, e, t);
            f = meta.ltd(pre, t - static_cast<step_t>(s.pd[b] >> p.post_bits()));
        }
        switch (dep) {
            case Dep::additive: return pre_loop<Dep::additive>(p, s, b, e, t, f);
            case Dep::multiplicative: return pre_loop<Dep::multiplicative>(p, s, b, e, t, f);
            case Dep::power_law: return pre_loop<Dep::power_law>(p, s, b, e, t, f);
            case Dep::morrison: return pre_loop<Dep::morrison>(p, s, b, e, t, f);
        }
    }
    void on_post(Projection& p, Shard& s, index_t post, std::uint64_t pb, std::uint64_t pe, step_t t) override {
        double f = p.post().plasticity_gain(post, t);  // young neurons' heightened plasticity (1 otherwise)
        if (meta.on()) {
            if (meta.pre_side) return meta_post(p, s, pb, pe, t, f);
            f *= meta.ltp_now(post, t);
        }
        switch (dep) {
            case Dep::additive: return post_loop<Dep::additive>(p, s, pb, pe, t, f);
            case Dep::multiplicative: return post_loop<Dep::multiplicative>(p, s, pb, pe, t, f);
            case Dep::power_law: return post_loop<Dep::power_law>(p, s, pb, pe, t, f);
            case Dep::morrison: return post_loop<Dep::morrison>(p, s, pb, pe, t, f);
        }
    }

    double tau_pre, tau_post, a_pre, a_post, w_min, w_max, mu, w0;
    TraceMode mode;
    Dep dep;
    ActivityScaling meta;

private:
    double fp_any(double w) const {
        return dep == Dep::power_law ? fp<Dep::power_law>(w) : (dep == Dep::morrison ? fp<Dep::morrison>(w) : 1.0);
    }
    double fm_any(double w) const {
        switch (dep) {
            case Dep::additive: return 1.0;
            case Dep::multiplicative: return fm<Dep::multiplicative>(w);
            case Dep::power_law: return fm<Dep::power_law>(w);
            case Dep::morrison: return fm<Dep::morrison>(w);
        }
        return 1.0;
    }
    // activity scaling read per synapse (the neuron that varies along the loop): plain loops, any dependence
    void meta_pre(Projection& p, Shard& s, std::uint64_t b, std::uint64_t e, step_t t) {
        const double amp = a_post * eta(t);
        if (amp == 0.0) return;
        for_each_arrival(p, s, b, e, [this](index_t i) { xpost->prefetch_now(i); }, [&](std::uint64_t k, index_t i) {
            const double x = xpost->value_now(i, t);
            if (x == 0.0) return;
            const double w = s.w[k];
            s.w[k] = clip(w + amp * x * fm_any(w) * meta.ltd_now(i, t));
        });
    }
    void meta_post(Projection& p, Shard& s, std::uint64_t pb, std::uint64_t pe, step_t t, double gain) {
        const double amp = a_pre * eta(t) * gain;
        if (amp == 0.0) return;
        for_each_post_synapse(p, s, pb, pe, t, *xpre, [&](std::uint32_t k, double x, index_t j, step_t tp) {
            const double w = s.w[k];
            s.w[k] = clip(w + amp * x * fp_any(w) * meta.ltp(j, tp));
        });
    }
    template <Dep D>
    double fp(double w) const {
        if constexpr (D == Dep::morrison) return w0 * std::pow(std::max(w, 0.0) / w0, mu);
        if constexpr (D != Dep::power_law) return 1.0;
        const double u = std::clamp((w - w_min) / (w_max - w_min), 0.0, 1.0);
        return std::pow(1.0 - u, mu);
    }
    template <Dep D>
    double fm(double w) const {
        if constexpr (D == Dep::additive) return 1.0;
        if constexpr (D == Dep::morrison) return w;
        const double u = std::clamp((w - w_min) / (w_max - w_min), 0.0, 1.0);
        if constexpr (D == Dep::multiplicative) return u;
        return std::pow(u, mu);
    }
    template <Dep D>
    void pre_loop(Projection& p, Shard& s, std::uint64_t b, std::uint64_t e, step_t t, double f) {
        const double amp = a_post * eta(t) * f;
        if (amp == 0.0) return;
        for_each_arrival(p, s, b, e, [this](index_t i) { xpost->prefetch_now(i); }, [&](std::uint64_t k, index_t i) {
            const double x = xpost->value_now(i, t);
            if (x == 0.0) return;
            const double w = s.w[k];
            s.w[k] = clip(w + amp * x * fm<D>(w));
        });
    }
    template <Dep D>
    void post_loop(Projection& p, Shard& s, std::uint64_t pb, std::uint64_t pe, step_t t, double f) {
        const double amp = a_pre * eta(t) * f;
        if (amp == 0.0) return;
        // additive: w + amp x (fp = 1) clipped, skipped where x = 0: the shared loop (x amp == amp x exactly)
        if constexpr (D == Dep::additive)
            if (post_add_clipped(p, s, pb, pe, t, *xpre, amp, w_min, w_max)) return;
        for_each_post_synapse(p, s, pb, pe, t, *xpre, [&](std::uint32_t k, double x, index_t, step_t) {
            const double w = s.w[k];
            s.w[k] = clip(w + amp * x * fp<D>(w));
        });
    }

    SpikeTrace* xpre = nullptr;
    SpikeTrace* xpost = nullptr;
};

}  // namespace pyneuro
