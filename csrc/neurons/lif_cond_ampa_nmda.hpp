// Design notes: conductance-based integrate-and-fire neuron with AMPA and NMDA excitation and a spike-triggered
// threshold (the neuron of Zenke, Hennequin & Gerstner 2013, PLoS Comput. Biol. 9:e1003330; Auryn's IFGroup):
//   C_m dv/dt = g_L (E_L - v) + (a_A g_ex + a_N g_nmda)(E_ex - v) + g_in (E_in - v) + I_e
//   dg_ex/dt = -g_ex / tau_syn_ex          (AMPA; receptor "exc" adds the weight here)
//   dg_nmda/dt = (g_ex - g_nmda) / tau_nmda (NMDA: a low-pass filter of the AMPA conductance, no magnesium block)
//   dg_in/dt = -g_in / tau_syn_in          (GABA; receptor "inh")
//   dtheta/dt = -theta / tau_th;  spike when v > V_th + theta; then v = V_reset, theta = delta_th
// with a_A = r / (1 + r), a_N = 1 / (1 + r), r = ampa_nmda_ratio; v is clipped to [V_min, V_max] every step.
// There is no absolute refractory period: the threshold jump makes the neuron refractory. I_stim (pA, per neuron,
// settable between runs) adds to I_e; while all of it is zero the kernel without it runs.
// Discretisation (that of Auryn's IFGroup, in float): per step, the currents are taken from the state at the start
// of the step; g_nmda += m g_ex then g_nmda -= m g_nmda (m = 1 - exp(-dt / tau_nmda)); g_ex, g_in and theta decay
// exactly; v advances by forward Euler; clip; threshold test with the decayed theta.
// Spike blanking: while theta keeps V_th + theta >= V_max a spike is impossible (v <= V_max after the clip). The
// number of such steps after a spike, n_blank, is found once in the kernel's own float arithmetic; the kernel does
// not test the threshold during them (a no-op for the dynamics above) so that the shortest inter-spike interval,
// n_blank + 1 steps, holds whatever a user writes into theta. It sizes the trace histories (min_isi_steps).
#pragma once
#include <algorithm>
#include <cmath>

#include "../core/fast_math.hpp"
#include "population.hpp"

namespace pyneuro {

// One step of n neurons (a thread's range). Branch-free, so that it vectorises; plain float operations only, so the
// vector body and the scalar remainder agree bit for bit. Lag (NEST time convention): the step's arrivals, held in
// lag_a / lag_i, are added to the decayed conductances and cleared here, as Population::flush_lagged would after
// the update (the same addition, one pass over the arrays instead of two).
template <bool Stim, bool Lag>
PYNEURO_KERNEL static void lif_cond_ampa_nmda_kernel(float* __restrict v, float* __restrict ga, float* __restrict gn,
                                                     float* __restrict gi, float* __restrict th, std::int32_t* __restrict rf,
                                                     std::uint8_t* __restrict flag, std::size_t n, float a_ampa,
                                                     float a_nmda, float m_nmda, float p_ampa, float p_gaba, float p_th,
                                                     float h, float h_leak, float drive, float e_l, float e_ex,
                                                     float e_in, float v_min, float v_max, float v_th, float v_reset,
                                                     float delta_th, std::int32_t n_blank, float ie,
                                                     const float* __restrict stim, float* __restrict lag_a,
                                                     float* __restrict lag_i) {
    for (std::size_t i = 0; i < n; ++i) {
        const float vi = v[i];
        const float t_exc = (a_ampa * ga[i] + a_nmda * gn[i]) * (e_ex - vi);
        const float t_inh = (vi - e_in) * gi[i];
        float g = gn[i] + m_nmda * ga[i];
        gn[i] = flush_tiny(g - m_nmda * g);
        if constexpr (Lag) {
            ga[i] = flush_tiny(ga[i] * p_ampa) + lag_a[i];
            gi[i] = flush_tiny(gi[i] * p_gaba) + lag_i[i];
            lag_a[i] = 0.0f;
            lag_i[i] = 0.0f;
        } else {
            ga[i] = flush_tiny(ga[i] * p_ampa);
            gi[i] = flush_tiny(gi[i] * p_gaba);
        }
        const float thi = flush_tiny(th[i] * p_th);
        const float t_leak = vi - e_l;
        float vn = vi + h * t_exc;
        vn = vn - h * t_inh;
        vn = vn - h_leak * t_leak;
        vn = vn + (Stim ? h * (ie + stim[i]) : drive);
        vn = vn < v_min ? v_min : vn;
        vn = vn > v_max ? v_max : vn;
        const std::int32_t r = rf[i];
        const std::int32_t blank = r > 0;
        const std::int32_t spike = (blank == 0) & (vn > v_th + thi);
        v[i] = spike ? v_reset : vn;
        th[i] = spike ? delta_th : thi;
        rf[i] = spike ? n_blank : r - blank;
        flag[i] = static_cast<std::uint8_t>(spike);
    }
}

class LIFCondAmpaNmda final : public Population {
public:
    LIFCondAmpaNmda(index_t n, const ParamMap& p) : Population("LIFCondAmpaNmda", n) {
        C_m = param(p, "C_m");
        g_L = param(p, "g_L");
        E_L = param(p, "E_L");
        V_th = param(p, "V_th");
        V_reset = param(p, "V_reset");
        delta_th = param(p, "delta_th");
        tau_th = param(p, "tau_th");
        tau_ex = param(p, "tau_syn_ex");
        tau_nmda = param(p, "tau_nmda");
        ratio = param(p, "ampa_nmda_ratio");
        tau_in = param(p, "tau_syn_in");
        E_ex = param(p, "E_ex");
        E_in = param(p, "E_in");
        V_min = param(p, "V_min");
        V_max = param(p, "V_max");
        I_e = param(p, "I_e");
        reg("v", v_, static_cast<float>(param_or(p, "V_init", E_L)));
        reg("g_ex", gex_, 0.0f);
        reg("g_nmda", gnm_, 0.0f);
        reg("g_in", gin_, 0.0f);
        reg("theta", th_, 0.0f);
        reg("I_stim", stim_, 0.0f);  // per-neuron stimulus current (pA), added to I_e
        refr_.assign(n, 0);
        flag_.assign(n, 0);
    }
    void prepare(double dt) override {
        a_ampa = static_cast<float>(ratio / (ratio + 1.0));
        a_nmda = static_cast<float>(1.0 / (ratio + 1.0));
        m_nmda = static_cast<float>(1.0 - std::exp(-dt / tau_nmda));
        p_ampa = static_cast<float>(std::exp(-dt / tau_ex));
        p_gaba = static_cast<float>(std::exp(-dt / tau_in));
        p_th = static_cast<float>(std::exp(-dt / tau_th));
        h = static_cast<float>(dt / C_m);
        h_leak = static_cast<float>(dt * g_L / C_m);
        drive = static_cast<float>(dt * I_e / C_m);
        n_blank = blank_steps();
        has_stim_ = stim_driven() || any_nonzero(stim_);
    }
    int min_isi_steps() const override { return n_blank + 1; }
    bool folds_lagged() const override { return lagged_on(Receptor::exc) && lagged_on(Receptor::inh); }
    float* input(Receptor r, float& sign) override {
        sign = 1.0f;
        return r == Receptor::exc ? gex_.data() : gin_.data();
    }
    void update(Range r, step_t, const Philox&, std::vector<index_t>& out) override {
        const std::size_t b = r.begin;
        float* lag_a = lagged_buffer(Receptor::exc);
        float* lag_i = lagged_buffer(Receptor::inh);
        const bool lag = lag_a && lag_i;  // as folds_lagged()
        auto* kernel = lag ? (has_stim_ ? &lif_cond_ampa_nmda_kernel<true, true> : &lif_cond_ampa_nmda_kernel<false, true>)
                           : (has_stim_ ? &lif_cond_ampa_nmda_kernel<true, false> : &lif_cond_ampa_nmda_kernel<false, false>);
        kernel(v_.data() + b, gex_.data() + b, gnm_.data() + b, gin_.data() + b, th_.data() + b,
                                  refr_.data() + b, flag_.data() + b, r.size(), a_ampa, a_nmda, m_nmda, p_ampa, p_gaba,
                                  p_th, h, h_leak, drive, static_cast<float>(E_L), static_cast<float>(E_ex),
                                  static_cast<float>(E_in), static_cast<float>(V_min), static_cast<float>(V_max),
                                  static_cast<float>(V_th), static_cast<float>(V_reset), static_cast<float>(delta_th),
                                  n_blank, static_cast<float>(I_e), stim_.data() + b, lag ? lag_a + b : nullptr,
                                  lag ? lag_i + b : nullptr);
        collect_flags(flag_.data(), r.begin, r.end, out);
    }

    double C_m, g_L, E_L, V_th, V_reset, delta_th, tau_th, tau_ex, tau_nmda, ratio, tau_in, E_ex, E_in, V_min, V_max, I_e;

private:
    // Steps after a spike in which the kernel's decayed theta keeps the threshold at or above V_max (no spike is
    // possible), computed with the kernel's float operations; capped at 10^6.
    int blank_steps() const {
        const float vth = static_cast<float>(V_th), vmax = static_cast<float>(V_max);
        float thi = static_cast<float>(delta_th);
        int k = 0;
        while (k < 1000000) {
            thi = flush_tiny(thi * p_th);
            if (!(vth + thi >= vmax)) break;
            ++k;
        }
        return k;
    }

    float a_ampa = 0, a_nmda = 0, m_nmda = 0, p_ampa = 0, p_gaba = 0, p_th = 0, h = 0, h_leak = 0, drive = 0;
    int n_blank = 0;
    bool has_stim_ = false;
    avector<float> v_, gex_, gnm_, gin_, th_, stim_;
};

}  // namespace pyneuro
