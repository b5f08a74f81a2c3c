// Design notes: Izhikevich (2003) neuron, as NEST's izhikevich.
//   dv/dt = 0.04 v^2 + 5 v + 140 - u + I_e,   du/dt = a (b v - u);   v >= V_th: v = c, u += d
// Forward Euler at the step dt, both variables from the old values (NEST's consistent_integration). Synapses
// are instantaneous: a spike of weight w (mV) adds +w ("exc") or -w ("inh") to v at its arrival step.
#pragma once
#include "population.hpp"

namespace pyneuro {

class Izhikevich final : public Population {
public:
    Izhikevich(index_t n, const ParamMap& p) : Population("Izhikevich", n) {
        a = param(p, "a");
        b = param(p, "b");
        c = param(p, "c");
        d = param(p, "d");
        V_th = param(p, "V_th");
        I_e = param(p, "I_e");
        const double v0 = param_or(p, "V_init", c);
        reg("v", v_, static_cast<float>(v0));
        reg("u", u_, static_cast<float>(param_or(p, "U_init", b * v0)));
        reg("I_stim", stim_, 0.0f);  // per-neuron stimulus input (same units as I_e), added to I_e
        refr_.assign(n, 0);
    }
    void prepare(double dt) override {
        h = static_cast<float>(dt);
        has_stim_ = stim_driven() || any_nonzero(stim_);
    }
    float* input(Receptor r, float& sign) override {
        sign = r == Receptor::exc ? 1.0f : -1.0f;
        return v_.data();
    }
    void update(Range r, step_t, const Philox&, std::vector<index_t>& out) override {
        float* __restrict v = v_.data();
        float* __restrict u = u_.data();
        const float fa = static_cast<float>(a), fb = static_cast<float>(b), ie = static_cast<float>(I_e);
        const float* __restrict st = stim_.data();
        for (index_t i = r.begin; i < r.end; ++i) {
            const float vo = v[i], uo = u[i];
            const float iei = has_stim_ ? ie + st[i] : ie;
            v[i] = vo + h * (0.04f * vo * vo + 5.0f * vo + 140.0f - uo + iei);
            u[i] = uo + h * fa * (fb * vo - uo);
        }
        const float vth = static_cast<float>(V_th), fc = static_cast<float>(c), fd = static_cast<float>(d);
        for (index_t i = r.begin; i < r.end; ++i)
            if (v[i] >= vth) {
                v[i] = fc;
                u[i] += fd;
                out.push_back(i);
            }
    }

    double a, b, c, d, V_th, I_e;

private:
    float h = 0.1f;
    bool has_stim_ = false;
    avector<float> v_, u_, stim_;
};

}  // namespace pyneuro
