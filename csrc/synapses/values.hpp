// Design notes: how a projection's weights and delays are given: a scalar, an array (one value per synapse in
// the order the connection rule defines), or a distribution drawn per synapse from the counter-based stream of
// the synapse's row block (Uniform(low, high); Normal(mean, std) clipped to [low, high]).
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
    std::vector<double> arr;

    bool random() const { return kind == Kind::uniform || kind == Kind::normal; }
    // Value for synapse number `pos` of an array rule, or drawn from `s`.
    double get(RngStream& s, std::size_t pos) const {
        switch (kind) {
            case Kind::scalar: return a;
            case Kind::array: return arr[pos];
            case Kind::uniform: return a + (b - a) * s.uniform();
            case Kind::normal: return std::clamp(a + b * s.normal(), lo, hi);
        }
        return a;
    }
};

}  // namespace pyneuro
