// Design notes: a general plasticity-of-plasticity hook. A rule may scale its potentiation and its depression by
// a power of a neuron's recent activity (an exponential average of its spike train over tau, i.e. an all_to_all
// trace divided by tau), relative to a reference rate:
//   LTP amplitude x (nu / nu_ref)^p_ltp,   LTD amplitude x (nu / nu_ref)^p_ltd
// where nu is the postsynaptic (side 0) or presynaptic (side 1) neuron's rate estimate at the update. BCM is the
// case p_ltp = 0, p_ltd = 2 on the postsynaptic side; p > 0 on LTP models priming that facilitates later
// potentiation. The rate is read including the spike that triggers the update.
#pragma once
#include <cmath>

#include "../neurons/trace.hpp"
#include "../synapses/projection.hpp"

namespace pyneuro {

struct ActivityScaling {
    SpikeTrace* rate = nullptr;
    bool pre_side = false;
    double tau = 0.0, ref = 1.0, p_ltp = 0.0, p_ltd = 0.0;

    void configure(const ParamMap& p) {
        tau = param_or(p, "meta_tau", 0.0);
        if (tau <= 0.0) return;
        ref = param(p, "meta_rate") * 1e-3;  // per ms
        p_ltp = param(p, "meta_ltp");
        p_ltd = param(p, "meta_ltd");
        pre_side = param(p, "meta_side") == 1.0;
    }
    void attach(Projection& pr) {
        if (tau > 0.0) rate = &(pre_side ? pr.pre() : pr.post()).trace(tau, TraceMode::all_to_all);
    }
    bool on() const { return rate != nullptr; }
    static double pw(double q, double p) { return p == 1.0 ? q : (p == 2.0 ? q * q : std::pow(q, p)); }
    // factor for neuron i (of the configured side) at step t; 1 when off or the power is 0
    double ltp(index_t i, step_t t) const { return (rate && p_ltp != 0.0) ? pw(rate->value_at(i, t) / (tau * ref), p_ltp) : 1.0; }
    double ltd(index_t i, step_t t) const { return (rate && p_ltd != 0.0) ? pw(rate->value_at(i, t) / (tau * ref), p_ltd) : 1.0; }
    // the same for a neuron of the calling thread at the current step (SpikeTrace::value_now)
    double ltp_now(index_t i, step_t t) const { return (rate && p_ltp != 0.0) ? pw(rate->value_now(i, t) / (tau * ref), p_ltp) : 1.0; }
    double ltd_now(index_t i, step_t t) const { return (rate && p_ltd != 0.0) ? pw(rate->value_now(i, t) / (tau * ref), p_ltd) : 1.0; }
};

}  // namespace pyneuro
