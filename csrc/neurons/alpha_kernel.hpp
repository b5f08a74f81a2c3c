// Design notes: the alpha kernel's exact one-step propagation, shared by the current-based (LIFAlpha) and the
// conductance-based (LIFCondAlpha) alpha-synapse neurons.
//   x(t) = w (e / tau) t exp(-t / tau) after a spike of weight w (peaks at w at t = tau).
// A receptor keeps x and dx, the kernel's rising part in the units of w (the true derivative is dx e / tau); a spike
// adds w to dx. Over one step h the pair evolves exactly as
//   x <- P21 dx + P11 x,  dx <- P11 dx,  with P11 = exp(-h / tau), P21 = (e / tau) h exp(-h / tau).
// The propagators are computed in double and stored as float, like every kernel constant.
#pragma once
#include <cmath>

#include "../core/fast_math.hpp"

namespace pyneuro {

struct AlphaKernel {
    float P11 = 0, P21 = 0;
    static AlphaKernel make(double tau, double h) {
        const double e = std::exp(-h / tau), k = std::exp(1.0) / tau;
        return {static_cast<float>(e), static_cast<float>(k * h * e)};
    }
    // One exact step of (x, dx); x uses dx before its decay.
    inline void advance(float& x, float& dx) const {
        x = flush_tiny(P21 * dx + P11 * x);
        dx = flush_tiny(dx * P11);
    }
};

}  // namespace pyneuro
