// Design notes: exact discrete and continuous variates drawn from a counter-based stream (RngStream), for the
// connection builders and the Poisson input. Every function is a pure function of the stream's numbers, so a draw is
// reproducible for any thread count.
// - gamma(shape >= 1): Marsaglia & Tsang (2000), ACM TOMS 26:363 (squeeze + log test, normal proposals).
// - beta(a, b >= 1) = G_a / (G_a + G_b).
// - binomial(n, p): exact for any n, by the order-statistics recursion (Knuth, TAOCP vol. 2, 3.4.1): the a-th smallest
//   of n uniforms, a = 1 + n/2, is Beta(a, n + 1 - a); the count below p then lies among the a - 1 smaller (uniform on
//   [0, X]) or, plus a, among the n - a larger ones (uniform on [X, 1]). O(log n) beta draws, then at most 64
//   Bernoulli trials.
// - hypergeometric(n, good, total): the number of good items in n draws without replacement, by sequential draws
//   (O(min(n, total - n)) numbers; used only where exactness matters more than speed).
// - PoissonTable: inversion of Poisson(lambda) with a 64-bit uniform: cumulative probabilities in 2^-64 units over
//   the support that holds all but < 2^-64 of the mass, and a guide table (Chen & Asau 1974) so that a draw costs
//   O(1) comparisons on average for any lambda.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "philox.hpp"
#include "types.hpp"

namespace pyneuro {

// A stream with a fast normal(): the ziggurat method with 128 layers (Marsaglia & Tsang 2000, J. Stat. Softw. 5(8),
// in Doornik's (2005) form: a 53-bit uniform in (-1, 1) and a layer index from separate bits of one 64-bit draw),
// so a normal value costs one 64-bit number and, 99% of the time, one multiply and one comparison: no log, sqrt
// or sin. uniform() as RngStream's. For builders that draw several normal values per synapse from the synapse's
// own stream (one Philox call serves two normals).
class ZigguratStream {
public:
    ZigguratStream(const Philox& g, RngDomain dom, std::uint32_t object, std::uint32_t element, std::uint64_t position)
        : s_(g, dom, object, element, position) {}
    double uniform() { return s_.uniform(); }
    Philox::ctr_t first_counter() const { return s_.refill_counter(0); }
    void preload(const Philox::ctr_t& first) { s_.preload(first); }
    double normal() {
        const Tables& z = tables();
        while (true) {
            const std::uint64_t r = s_.next_u64();
            const double u = (static_cast<double>(r >> 11) + 0.5) * 0x1.0p-52 - 1.0;  // (-1, 1), never 0
            const int i = static_cast<int>(r & 0x7F);
            if (std::fabs(u) < z.ratio[i]) return u * z.x[i];
            if (i == 0) {  // the tail beyond R
                double x, y;
                do {
                    x = std::log(s_.uniform_open0()) / kR;
                    y = std::log(s_.uniform_open0());
                } while (-2.0 * y < x * x);
                return u < 0.0 ? x - kR : kR - x;
            }
            const double x = u * z.x[i];
            const double f0 = std::exp(-0.5 * (z.x[i] * z.x[i] - x * x));
            const double f1 = std::exp(-0.5 * (z.x[i + 1] * z.x[i + 1] - x * x));
            if (f1 + s_.uniform() * (f0 - f1) < 1.0) return x;
        }
    }

private:
    static constexpr int kLayers = 128;
    static constexpr double kR = 3.442619855899;        // start of the tail
    static constexpr double kV = 9.91256303526217e-3;   // area of each layer
    struct Tables {
        double x[kLayers + 1];
        double ratio[kLayers];
        Tables() {
            double f = std::exp(-0.5 * kR * kR);
            x[0] = kV / f;  // the bottom layer (with the tail) as a rectangle of equal area
            x[1] = kR;
            x[kLayers] = 0.0;
            for (int i = 2; i < kLayers; ++i) {
                x[i] = std::sqrt(-2.0 * std::log(kV / x[i - 1] + f));
                f = std::exp(-0.5 * x[i] * x[i]);
            }
            for (int i = 0; i < kLayers; ++i) ratio[i] = x[i + 1] / x[i];
        }
    };
    static const Tables& tables() {
        static const Tables t;  // built once, thread-safely
        return t;
    }
    RngStream s_;
};

inline double gamma_variate(RngStream& s, double shape) {
    const double d = shape - 1.0 / 3.0, c = 1.0 / std::sqrt(9.0 * d);
    while (true) {
        double x, v;
        do {
            x = s.normal();
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        const double u = s.uniform_open0();
        if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
        if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
    }
}

inline double beta_variate(RngStream& s, double a, double b) {
    const double x = gamma_variate(s, a), y = gamma_variate(s, b);
    return x / (x + y);
}

inline std::uint64_t binomial_variate(RngStream& s, std::uint64_t n, double p) {
    std::uint64_t out = 0;
    if (!(p > 0.0) || n == 0) return 0;
    if (p >= 1.0) return n;
    while (n > 64) {
        const std::uint64_t a = 1 + n / 2, b = n + 1 - a;
        const double x = beta_variate(s, static_cast<double>(a), static_cast<double>(b));
        if (x >= p) {
            n = a - 1;
            p = p / x;
        } else {
            out += a;
            n = b - 1;
            p = (p - x) / (1.0 - x);
        }
        if (!(p > 0.0) || n == 0) return out;
        if (p >= 1.0) return out + n;
    }
    for (std::uint64_t q = 0; q < n; ++q) out += s.uniform() < p;
    return out;
}

inline std::uint64_t hypergeometric_variate(RngStream& s, std::uint64_t n, std::uint64_t good, std::uint64_t total) {
    // draw the smaller of n and total - n (the complement's good count gives the answer)
    const bool flip = n > total - n;
    std::uint64_t m = flip ? total - n : n, g = good, t = total, got = 0;
    for (std::uint64_t q = 0; q < m; ++q, --t)
        if (static_cast<double>(g) > s.uniform() * static_cast<double>(t)) {
            ++got;
            --g;
        }
    return flip ? good - got : got;
}

class PoissonTable {
public:
    // Largest table (entries) that build() accepts: lambda up to about 1e10.
    static constexpr std::size_t kMaxEntries = std::size_t{1} << 22;

    // Returns false (table unchanged) when lambda needs more than kMaxEntries entries.
    bool build(double lambda) {
        lambda_ = lambda;
        cdf_.clear();
        guide_.clear();
        k0_ = 0;
        if (!(lambda > 0.0)) return true;
        const double sd = std::sqrt(lambda);
        // 2^-64 tails: Chernoff bounds put them well inside lambda +- (14 sd + 45)
        const double lo = std::max(0.0, std::floor(lambda - 14.0 * sd - 45.0));
        const double hi = std::ceil(lambda + 14.0 * sd + 45.0);
        if (hi - lo + 1.0 > static_cast<double>(kMaxEntries)) return false;
        k0_ = static_cast<std::uint64_t>(lo);
        const std::size_t len = static_cast<std::size_t>(hi - lo) + 1;
        // unnormalised pmf by the ratio recurrences p(k+1) = p(k) lambda / (k+1) from the mode outwards (no
        // cancellation between large logarithms), then normalised
        std::vector<double> pmf(len, 0.0);
        const std::size_t m = static_cast<std::size_t>(std::floor(lambda) - lo);
        pmf[m] = 1.0;
        for (std::size_t q = m + 1; q < len; ++q) pmf[q] = pmf[q - 1] * lambda / (lo + static_cast<double>(q));
        for (std::size_t q = m; q-- > 0;) pmf[q] = pmf[q + 1] * (lo + static_cast<double>(q) + 1.0) / lambda;
        double total = 0.0;
        for (double x : pmf) total += x;
        cdf_.resize(len);
        long double acc = 0.0L;
        for (std::size_t q = 0; q < len; ++q) {
            acc += static_cast<long double>(pmf[q]) / total;
            const long double scaled = acc * 18446744073709551616.0L;  // 2^64
            cdf_[q] = scaled >= 18446744073709551615.0L ? std::numeric_limits<std::uint64_t>::max()
                                                         : static_cast<std::uint64_t>(scaled);
        }
        cdf_.back() = std::numeric_limits<std::uint64_t>::max();  // every draw ends inside the table
        int bits = 0;
        while ((std::size_t{1} << bits) < len && bits < 22) ++bits;
        shift_ = 64 - bits;
        guide_.assign(std::size_t{1} << bits, 0);
        std::size_t k = 0;
        for (std::size_t g = 0; g < guide_.size(); ++g) {
            const std::uint64_t start = bits == 0 ? 0 : static_cast<std::uint64_t>(g) << shift_;
            while (k + 1 < len && cdf_[k] <= start) ++k;
            guide_[g] = static_cast<std::uint32_t>(k);
        }
        return true;
    }
    double lambda() const { return lambda_; }
    // The Poisson count for the 64-bit uniform u: the smallest k with u < cdf[k].
    std::uint64_t draw(std::uint64_t u) const {
        if (cdf_.empty()) return 0;
        std::size_t k = guide_[shift_ >= 64 ? 0 : static_cast<std::size_t>(u >> shift_)];
        while (u >= cdf_[k]) ++k;
        return k0_ + k;
    }

private:
    double lambda_ = 0.0;
    std::uint64_t k0_ = 0;
    int shift_ = 64;
    std::vector<std::uint64_t> cdf_;
    std::vector<std::uint32_t> guide_;
};

}  // namespace pyneuro
