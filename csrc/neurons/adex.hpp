// Design notes: adaptive exponential integrate-and-fire with exponential conductances (Brette & Gerstner 2005;
// NEST aeif_cond_exp, same parameter names).
//   C_m dv/dt = -g_L (v - E_L) + g_L Delta_T exp((v - V_th) / Delta_T) - g_ex (v - E_ex) - g_in (v - E_in) - w + I_e
//   tau_w dw/dt = a (v - E_L) - w;   v >= V_peak: v = V_reset, w += b, clamped for t_ref
// Classic 4th-order Runge-Kutta over each step in double precision, the conductances taken from their exact
// exponential decay at the stage times; the exponent's argument is capped at v = V_peak as NEST does.
#pragma once
#include <algorithm>
#include <cmath>

#include "../core/fast_math.hpp"
#include "population.hpp"

namespace pyneuro {

class AdEx final : public Population {
public:
    AdEx(index_t n, const ParamMap& p) : Population("AdEx", n) {
        C_m = param(p, "C_m");
        g_L = param(p, "g_L");
        E_L = param(p, "E_L");
        V_th = param(p, "V_th");
        Delta_T = param(p, "Delta_T");
        V_peak = param(p, "V_peak");
        V_reset = param(p, "V_reset");
        t_ref = param(p, "t_ref");
        tau_w = param(p, "tau_w");
        a = param(p, "a");
        b = param(p, "b");
        tau_ex = param(p, "tau_syn_ex");
        tau_in = param(p, "tau_syn_in");
        E_ex = param(p, "E_ex");
        E_in = param(p, "E_in");
        I_e = param(p, "I_e");
        reg("v", v_, static_cast<float>(param_or(p, "V_init", E_L)));
        reg("w", w_, 0.0f);
        reg("g_ex", gex_, 0.0f);
        reg("g_in", gin_, 0.0f);
        reg("I_stim", stim_, 0.0f);  // per-neuron stimulus current (pA), added to I_e
        refr_.assign(n, 0);
    }
    void prepare(double dt) override {
        h = dt;
        ref_steps = steps_of(t_ref, dt);
        hex = std::exp(-0.5 * dt / tau_ex);
        hin = std::exp(-0.5 * dt / tau_in);
    }
    int min_isi_steps() const override { return ref_steps + 1; }
    float* input(Receptor r, float& sign) override {
        sign = 1.0f;
        return r == Receptor::exc ? gex_.data() : gin_.data();
    }
    void rhs(double v, double w, double ge, double gi, double ie, double& dv, double& dw) const {
        const double ve = std::min(v, V_peak);
        dv = (-g_L * (ve - E_L) + g_L * Delta_T * std::exp((ve - V_th) / Delta_T) - ge * (ve - E_ex) - gi * (ve - E_in) - w +
              ie) / C_m;
        dw = (a * (ve - E_L) - w) / tau_w;
    }
    void update(Range r, step_t, const Philox&, std::vector<index_t>& out) override {
        for (index_t i = r.begin; i < r.end; ++i) {
            const double ge0 = gex_[i], gi0 = gin_[i];
            const double ge1 = ge0 * hex, gi1 = gi0 * hin, ge2 = ge1 * hex, gi2 = gi1 * hin;
            double v = v_[i], w = w_[i];
            const double ie = I_e + static_cast<double>(stim_[i]);  // I_e + 0.0 when there is no stimulus
            if (refr_[i] > 0) {
                --refr_[i];
                v = V_reset;
                w = w + h * (a * (v - E_L) - w) / tau_w;  // adaptation keeps evolving while clamped (Euler step)
            } else {
                double k1v, k1w, k2v, k2w, k3v, k3w, k4v, k4w;
                rhs(v, w, ge0, gi0, ie, k1v, k1w);
                rhs(v + 0.5 * h * k1v, w + 0.5 * h * k1w, ge1, gi1, ie, k2v, k2w);
                rhs(v + 0.5 * h * k2v, w + 0.5 * h * k2w, ge1, gi1, ie, k3v, k3w);
                rhs(v + h * k3v, w + h * k3w, ge2, gi2, ie, k4v, k4w);
                v += h / 6.0 * (k1v + 2 * k2v + 2 * k3v + k4v);
                w += h / 6.0 * (k1w + 2 * k2w + 2 * k3w + k4w);
            }
            gex_[i] = flush_tiny(static_cast<float>(ge2));
            gin_[i] = flush_tiny(static_cast<float>(gi2));
            if (v >= V_peak || !(v == v) ) {
                if (v == v) {
                    v = V_reset;
                    w += b;
                    refr_[i] = ref_steps;
                    out.push_back(i);
                }
            }
            v_[i] = static_cast<float>(v);
            w_[i] = static_cast<float>(w);
        }
    }

    double C_m, g_L, E_L, V_th, Delta_T, V_peak, V_reset, t_ref, tau_w, a, b, tau_ex, tau_in, E_ex, E_in, I_e;

private:
    double h = 0.1, hex = 1, hin = 1;
    int ref_steps = 0;
    avector<float> v_, w_, gex_, gin_, stim_;
};

}  // namespace pyneuro
