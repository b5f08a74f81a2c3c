// Design notes: a Poisson background input without a source population (NEST's poisson_generator connected to
// every neuron, Brian2's PoissonInput): every neuron of the target population receives the spikes of `n` independent
// Poisson inputs of rate `rate` (Hz), each of weight `w`, on one receptor. Their superposition is one Poisson process
// of rate n * rate, so each step a neuron receives a Poisson(lambda = n rate dt) number of arrivals and its input
// grows by (arrivals x w) (one float multiply: count x w, not count float additions). Any rate is allowed: the
// count is drawn by inversion from a table (PoissonTable, exact to the 2^-64 resolution of the uniform), so a
// draw costs O(1) for any lambda.
// Random numbers are counter-based: the count of neuron i at step t is a function of (seed, input id, i, t) alone
// (one Philox call), so results are identical for any thread count and a restored checkpoint continues exactly;
// the input holds no state beyond its parameters. The Philox rounds run over 16 neurons at a time (vectorised).
// Timing: the arrivals of step t are delivered in phase 1 of step t, after the projections, into the same target
// the projections use (so under the NEST time convention they, too, act as NEST's do).
// Thread safety: apply(k, ...) touches only thread k's range of the target.
#pragma once
#include <cstdint>

#include "../core/fast_math.hpp"
#include "../core/partition.hpp"
#include "../core/philox.hpp"
#include "../core/variates.hpp"
#include "../neurons/population.hpp"
#include "input.hpp"

namespace pyneuro {

// 64-bit uniforms for neurons [i0, i0 + n), n <= 16, at step t: the first two words of Philox4x32-10 applied to the
// counter (domain | id, i, t low, t high) under the key (k0, k1). Plain integer arithmetic, so every clone of the
// kernel gives the same bits. Each 32-bit word of the state is held in a 64-bit lane (two vectors of 8 lanes for
// the 16 neurons), so that a round's 32 x 32 -> 64-bit products are lane-wise vector multiplies (the compiler's
// scalar code for the plain-array form spilled the state to the stack in every round).
PYNEURO_KERNEL static void philox_uniforms16(std::uint32_t k0, std::uint32_t k1, std::uint32_t c0, std::uint32_t i0,
                                              std::uint32_t tlo, std::uint32_t thi, std::uint64_t* __restrict out) {
    typedef std::uint64_t u64x8 __attribute__((vector_size(64)));
    const u64x8 lo32 = {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu};
    u64x8 a[2], b[2], c[2], d[2];
    for (int g = 0; g < 2; ++g)
        for (int l = 0; l < 8; ++l) {
            a[g][l] = c0;
            b[g][l] = static_cast<std::uint32_t>(i0 + static_cast<std::uint32_t>(8 * g + l));
            c[g][l] = tlo;
            d[g][l] = thi;
        }
    std::uint32_t ka = k0, kb = k1;
    for (int r = 0; r < 10; ++r) {
        const std::uint64_t xa = ka, xb = kb;
        for (int g = 0; g < 2; ++g) {
            const u64x8 p0 = (a[g] & lo32) * 0xD2511F53ull;  // both factors < 2^32: the product is exact
            const u64x8 p1 = (c[g] & lo32) * 0xCD9E8D57ull;
            a[g] = (p1 >> 32) ^ b[g] ^ xa;
            b[g] = p1 & lo32;
            c[g] = (p0 >> 32) ^ d[g] ^ xb;
            d[g] = p0 & lo32;
        }
        ka += 0x9E3779B9u;
        kb += 0xBB67AE85u;
    }
    for (int g = 0; g < 2; ++g)
        for (int l = 0; l < 8; ++l) out[8 * g + l] = (a[g][l] << 32) | b[g][l];
}

class PoissonInput final : public Input {
public:
    // Parameters: n (inputs per neuron), rate (Hz, each), weight (>= 0, the target's input unit).
    PoissonInput(int id, Population& target, Receptor r, const ParamMap& p) : Input(id, target, r) { set(p); }

    double n() const { return n_; }
    double rate() const { return rate_; }
    double weight() const { return weight_; }
    // Mean arrivals per neuron and step.
    double lambda(double dt) const { return n_ * rate_ * dt * 1e-3; }
    void set(const ParamMap& p) override {
        n_ = param(p, "n");
        rate_ = param(p, "rate");
        weight_ = param(p, "weight");
        dt_ = -1.0;
    }

    // Between runs: the table for this dt and the array the arrivals go to. Throws if lambda is beyond the table.
    void prepare(double dt, bool lagged) override {
        if (dt != dt_) {
            if (!table_.build(lambda(dt)))
                throw ArgumentError("Poisson input: n x rate x dt = " + std::to_string(lambda(dt)) +
                                    " arrivals per step is beyond the supported range");
            dt_ = dt;
        }
        float sign = 1.0f;
        out_ = target_->delivery_target(receptor_, sign, lagged);
        wsign_ = sign * static_cast<float>(weight_);
    }

    // Phase 1 of step t for thread k: add the arrivals of step t to its neurons [R.begin, R.end).
    void apply(Range R, step_t t, const Philox& rng) const override {
        if (!out_ || table_.lambda() <= 0.0 || R.size() == 0) return;
        const std::uint32_t c0 = (static_cast<std::uint32_t>(RngDomain::poisson_input) << 24) ^ static_cast<std::uint32_t>(id_);
        const std::uint32_t tlo = static_cast<std::uint32_t>(t), thi = static_cast<std::uint32_t>(static_cast<std::uint64_t>(t) >> 32);
        alignas(64) std::uint64_t u[16];
        for (index_t i0 = R.begin; i0 < R.end; i0 += 16) {
            philox_uniforms16(rng.key0(), rng.key1(), c0, i0, tlo, thi, u);
            const index_t n = std::min<index_t>(16, R.end - i0);
            for (index_t l = 0; l < n; ++l) {
                const std::uint64_t k = table_.draw(u[l]);
                if (k) out_[i0 + l] += static_cast<float>(k) * wsign_;
            }
        }
    }

private:
    double n_ = 0.0, rate_ = 0.0, weight_ = 0.0;
    double dt_ = -1.0;
    PoissonTable table_;
    float* out_ = nullptr;
    float wsign_ = 0.0f;
};

}  // namespace pyneuro
