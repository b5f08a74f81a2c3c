// Design notes: how a projection's weights and delays are given: a scalar, an array (one value per synapse in
// the order the connection rule defines), or a distribution drawn per synapse from the counter-based stream of
// the synapse's row block (Uniform(low, high); Normal(mean, std) truncated to [low, high], either clipped to the
// bounds or redrawn until it falls inside them: `redraw`, NEST's nest.math.redraw and PyNN's normal_clipped).
// A redrawn value is a sample of the truncated normal. The Python layer checks that [low, high] holds enough of
// the distribution's mass (so the expected number of redraws stays small) before anything is drawn.
#pragma once
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "../core/philox.hpp"

namespace pyneuro {

struct ValueSpec {
    enum class Kind { scalar, array, uniform, normal } kind = Kind::scalar;
    double a = 0.0, b = 0.0;  // scalar: a; uniform: [a, b); normal: mean a, std b
    double lo = -std::numeric_limits<double>::infinity(), hi = std::numeric_limits<double>::infinity();
    bool redraw = false;      // normal: redraw values outside [lo, hi] instead of clipping them
    std::vector<double> arr;

    bool random() const { return kind == Kind::uniform || kind == Kind::normal; }
    // Value for synapse number `pos` of an array rule, or drawn from `s` (a stream with uniform() and normal()).
    template <class Stream>
    double get(Stream& s, std::size_t pos) const {
        switch (kind) {
            case Kind::scalar: return a;
            case Kind::array: return arr[pos];
            case Kind::uniform: return a + (b - a) * s.uniform();
            case Kind::normal: {
                if (!redraw) return std::clamp(a + b * s.normal(), lo, hi);
                while (true) {
                    const double x = a + b * s.normal();
                    if (x >= lo && x <= hi) return x;
                }
            }
        }
        return a;
    }
};

}  // namespace pyneuro
