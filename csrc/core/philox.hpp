// Design notes: counter-based random numbers (Philox4x32-10, Salmon et al., SC'11).
// Every random draw is a pure function of (seed, stream key, counter): no shared generator state, so results do
// not depend on the thread count or on the order in which threads run, and a restored checkpoint draws exactly
// what the original run would have drawn. Keys used in the engine:
//   key   = (seed low 32 bits, seed high 32 bits)
//   ctr   = (domain | object id, element index, step low, step high)   e.g. (population, neuron, step)
// NOTE: changing a key layout changes every random result; the golden checksum test guards it.
#pragma once
#include <array>
#include <cmath>
#include <cstdint>

namespace pyneuro {

class Philox {
public:
    using ctr_t = std::array<std::uint32_t, 4>;

    explicit Philox(std::uint64_t seed) : k0_(static_cast<std::uint32_t>(seed)), k1_(static_cast<std::uint32_t>(seed >> 32)) {}

    std::uint32_t key0() const { return k0_; }
    std::uint32_t key1() const { return k1_; }

    ctr_t operator()(ctr_t c) const {
        std::uint32_t k0 = k0_, k1 = k1_;
        for (int r = 0; r < 10; ++r) {
            const std::uint64_t p0 = static_cast<std::uint64_t>(0xD2511F53u) * c[0];
            const std::uint64_t p1 = static_cast<std::uint64_t>(0xCD9E8D57u) * c[2];
            const std::uint32_t hi0 = static_cast<std::uint32_t>(p0 >> 32), lo0 = static_cast<std::uint32_t>(p0);
            const std::uint32_t hi1 = static_cast<std::uint32_t>(p1 >> 32), lo1 = static_cast<std::uint32_t>(p1);
            c = {hi1 ^ c[1] ^ k0, lo1, hi0 ^ c[3] ^ k1, lo0};
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        return c;
    }

private:
    std::uint32_t k0_, k1_;
};

// Philox4x32-10 on kPhiloxBatch counters at once, in place: c[word][lane] becomes exactly what operator() gives for
// lane's counter. For bulk draws whose counters are known ahead (one stream's next refills, or the first block of
// many streams, see RngStream::preload). Integer arithmetic only, so the wide-vector code gives the same numbers
// as the scalar one.
inline constexpr int kPhiloxBatch = 64;
void philox_batch(const Philox& g, std::uint32_t (&c)[4][kPhiloxBatch]);

// Domains keep the counter spaces of different consumers apart.
enum class RngDomain : std::uint32_t { poisson = 1, connect = 2, weight = 3, delay = 4, structural = 5, init = 6, poisson_input = 7, current_input = 8, renewal = 9 };

// A stream of uniform numbers for one (domain, object, element, position) key; draws 4 numbers per Philox call.
class RngStream {
public:
    RngStream(const Philox& g, RngDomain dom, std::uint32_t object, std::uint32_t element, std::uint64_t position)
        : g_(g), base_{(static_cast<std::uint32_t>(dom) << 24) ^ object, element,
                        static_cast<std::uint32_t>(position), static_cast<std::uint32_t>(position >> 32)} {}

    // How many 32-bit numbers one stream yields before it would repeat.
    static constexpr std::uint64_t draw_limit() { return 4ull << 24; }

    std::uint32_t next_u32() {
        if (used_ == 4) refill();
        return buf_[used_++];
    }
    // Uniform in (0, 1]: never 0, so log(u) is finite.
    double uniform_open0() { return (static_cast<double>(next_u64() >> 11) + 1.0) * 0x1.0p-53; }
    // Uniform in [0, 1).
    double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }
    double normal() {  // Box-Muller, one value per call (the second is discarded for simplicity of replay)
        const double u1 = uniform_open0(), u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }
    // Uniform integer in [0, n) (Lemire's multiply-shift; bias < n / 2^32, negligible for n << 2^32).
    std::uint32_t below(std::uint32_t n) {
        return static_cast<std::uint32_t>((static_cast<std::uint64_t>(next_u32()) * n) >> 32);
    }
    std::uint64_t next_u64() {
        const std::uint64_t hi = next_u32();
        return (hi << 32) | next_u32();
    }

    // The counter of refill number r (r < 2^24), and the stream started with its first block already computed
    // (`first` = the generator's output for refill_counter(0), e.g. from philox_batch): every draw then is exactly
    // what it would have been.
    Philox::ctr_t refill_counter(std::uint64_t r) const {
        Philox::ctr_t c = base_;
        c[3] = (c[3] & 0xFFu) | (static_cast<std::uint32_t>(r) << 8);
        return c;
    }
    void preload(const Philox::ctr_t& first) {
        buf_ = first;
        counter_ = 1;
        used_ = 0;
    }

private:
    void refill() {
        // Counter layout: c[3] = position bits 32..39 | refill counter << 8: positions < 2^40 (steps: 3.5 years
        // at dt = 0.1 ms) and 2^24 refills (2^26 numbers) per stream; draw_limit() tells callers the bound.
        buf_ = g_(refill_counter(counter_));
        ++counter_;
        used_ = 0;
    }
    const Philox& g_;
    Philox::ctr_t base_;
    Philox::ctr_t buf_{};
    std::uint64_t counter_ = 0;
    int used_ = 4;
};

}  // namespace pyneuro
