// C++ unit tests of the core's building blocks, compiled without Python (the core never includes pybind11):
//   g++ -std=c++20 -O2 -ffp-contract=off -pthread tests/cpp/test_core.cpp -o test_core && ./test_core
// tests/test_cpp_core.py compiles and runs this file under pytest.
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "../../csrc/core/barrier.hpp"
#include "../../csrc/core/fast_math.hpp"
#include "../../csrc/core/partition.hpp"
#include "../../csrc/core/philox.hpp"
#include "../../csrc/neurons/lif_cond.hpp"
#include "../../csrc/neurons/trace.hpp"

using namespace pyneuro;

static int passed = 0, failed = 0;

#define CHECK(cond, ...)                                  \
    do {                                                  \
        if (cond) {                                       \
            ++passed;                                     \
        } else {                                          \
            ++failed;                                     \
            std::printf("FAIL %s:%d: ", __FILE__, __LINE__); \
            std::printf(__VA_ARGS__);                     \
            std::printf("\n");                            \
        }                                                 \
    } while (0)

// Known-answer vectors of Philox4x32-10 published with Random123 (Salmon et al. 2011), file kat_vectors:
// counter (4 words), key (2 words) -> output (4 words).
static void test_philox_known_answers() {
    struct Kat {
        Philox::ctr_t ctr;
        std::uint32_t k0, k1;
        Philox::ctr_t out;
    };
    const Kat kats[] = {
        {{0u, 0u, 0u, 0u}, 0u, 0u, {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}},
        {{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}, 0xffffffffu, 0xffffffffu,
         {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}},
        {{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}, 0xa4093822u, 0x299f31d0u,
         {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}},
    };
    for (const Kat& k : kats) {
        const Philox g(static_cast<std::uint64_t>(k.k0) | (static_cast<std::uint64_t>(k.k1) << 32));
        const Philox::ctr_t r = g(k.ctr);
        CHECK(r == k.out, "philox KAT mismatch: got %08x %08x %08x %08x", r[0], r[1], r[2], r[3]);
    }
}

// Streams: uniform numbers in range, distinct streams differ, one stream never repeats within its draw limit.
static void test_streams() {
    const Philox g(42);
    RngStream a(g, RngDomain::connect, 1, 2, 3), b(g, RngDomain::connect, 1, 2, 4);
    int same = 0, outside = 0;
    double sum = 0.0;
    const int n = 100000;
    for (int i = 0; i < n; ++i) {
        const double u = a.uniform_open0();
        outside += !(u > 0.0 && u <= 1.0);
        sum += u;
        same += a.next_u32() == b.next_u32();
    }
    CHECK(outside == 0, "uniform_open0 gave %d values outside (0, 1]", outside);
    CHECK(std::abs(sum / n - 0.5) < 5 * std::sqrt(1.0 / 12.0 / n), "uniform mean %g", sum / n);
    CHECK(same < 5, "two streams agree %d times", same);
    // the first 4 numbers of refill r and of refill r + 65536 must differ (the bug a 16-bit counter had)
    RngStream c(g, RngDomain::connect, 7, 7, 7);
    std::vector<std::uint32_t> first(4);
    for (auto& x : first) x = c.next_u32();
    for (int r = 1; r < 65536; ++r)
        for (int q = 0; q < 4; ++q) c.next_u32();
    int equal = 0;
    for (int q = 0; q < 4; ++q) equal += c.next_u32() == first[static_cast<std::size_t>(q)];
    CHECK(equal < 4, "stream repeats after 65536 refills");
}

static void test_fast_exp() {
    double worst = 0.0;
    for (int i = 0; i <= 1000000; ++i) {
        const float x = -87.0f + 87.0f * static_cast<float>(i) / 1000000.0f;
        const double ref = std::exp(static_cast<double>(x));
        const double rel = std::abs(fast_exp(x) - ref) / ref;
        worst = std::max(worst, rel);
    }
    CHECK(worst < 5e-7, "fast_exp max relative error %g", worst);
    CHECK(fast_exp(0.0f) == 1.0f, "fast_exp(0) = %g", fast_exp(0.0f));
    CHECK(flush_tiny(1e-31f) == 0.0f && flush_tiny(-1e-31f) == 0.0f && flush_tiny(1e-29f) == 1e-29f, "flush_tiny");
}

static std::uint32_t bits_of(float x) {
    std::uint32_t b;
    std::memcpy(&b, &x, sizeof b);
    return b;
}

// Where exp_is_small(x), the polynomial alone is fast_exp bit for bit (the LIFCond kernel relies on it): every
// 61st float of [-kExpSmall, kExpSmall] of either sign, the zeros and the bound itself.
static void test_fast_exp_poly() {
    long bad = 0, n = 0;
    for (float sign : {1.0f, -1.0f})
        for (std::uint32_t b = 0; b <= bits_of(kExpSmall); b += (b < bits_of(kExpSmall) - 61 ? 61 : 1)) {
            float x;
            std::memcpy(&x, &b, sizeof x);
            x *= sign;
            ++n;
            if (!exp_is_small(x) || bits_of(fast_exp_poly(x)) != bits_of(fast_exp(x))) ++bad;
        }
    CHECK(bad == 0 && n > 1000000, "fast_exp_poly differs from fast_exp at %ld of %ld small arguments", bad, n);
    CHECK(!exp_is_small(std::nanf("")) && !exp_is_small(0.35f) && !exp_is_small(-0.35f), "exp_is_small bounds");
}

// LIFCond's block kernel (two passes with the short exponential where it applies) against the one-pass loop, bit
// for bit: conductances that leave some blocks in range and push others out (single neurons, runs of blocks, and
// the range's tail), with and without the per-neuron current, 40 steps.
template <bool Stim>
static void lif_cond_blocks_case() {
    const std::size_t n = 5000;  // not a multiple of the block
    std::vector<float> v(n), ge(n), gi(n), th(n), stim(n);
    std::vector<std::int32_t> rf(n, 0);
    std::vector<std::uint8_t> fl(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
        v[i] = -70.0f + 25.0f * static_cast<float>((i * 37) % 101) / 100.0f;
        ge[i] = static_cast<float>((i * 13) % 17);
        gi[i] = static_cast<float>((i * 7) % 29) * 4.0f;
        th[i] = (i % 11 == 0) ? 1.5f : 0.0f;
        stim[i] = static_cast<float>(i % 5) * 20.0f;
        if (i == 700 || (i >= 2100 && i < 3700) || i == n - 3) gi[i] = 5000.0f;  // exponent beyond the short range
        if (i == 1500) ge[i] = -400.0f;                                            // negative total conductance
    }
    auto v2 = v, ge2 = ge, gi2 = gi;
    auto rf2 = rf;
    auto fl2 = fl;
    const float gl = 10.0f, El = -60.0f, dt = 0.1f, C = 200.0f, tex = 5.0f, tin = 10.0f;
    const float Pex = std::exp(-dt / tex), Pin = std::exp(-dt / tin);
    const float Mex = tex / dt * (1.0f - Pex), Min = tin / dt * (1.0f - Pin);
    long bad = 0, spikes = 0;
    for (int step = 0; step < 40; ++step) {
        lif_cond_kernel<Stim>(v.data(), ge.data(), gi.data(), rf.data(), fl.data(), th.data(), n, gl, gl * El, 0.0f,
                              -80.0f, 200.0f, -60.0f, -50.0f, 20, Mex, Min, Pex, Pin, dt / C, stim.data());
        lif_cond_pass<Stim>(v2.data(), ge2.data(), gi2.data(), rf2.data(), fl2.data(), th.data(), n, gl, gl * El, 0.0f,
                            -80.0f, 200.0f, -60.0f, -50.0f, 20, Mex, Min, Pex, Pin, dt / C, stim.data());
        for (std::size_t i = 0; i < n; ++i) {
            bad += bits_of(v[i]) != bits_of(v2[i]) || bits_of(ge[i]) != bits_of(ge2[i]) ||
                   bits_of(gi[i]) != bits_of(gi2[i]) || rf[i] != rf2[i] || fl[i] != fl2[i];
            spikes += fl[i];
        }
        for (std::size_t i = step % 3; i < n; i += 97) ge[i] = ge2[i] = ge[i] + 30.0f;  // some input
    }
    CHECK(bad == 0 && spikes > 0, "LIFCond block kernel (stim %d): %ld differences from the one-pass loop, %ld spikes",
          int(Stim), bad, spikes);
}

static void test_lif_cond_blocks() {
    lif_cond_blocks_case<false>();
    lif_cond_blocks_case<true>();
}

static void test_partition() {
    for (index_t n : {0u, 1u, 15u, 16u, 17u, 1000u, 4000u, 100003u})
        for (int parts : {1, 2, 3, 4, 7, 16}) {
            auto r = split_range(n, parts);
            bool ok = r.front().begin == 0 && r.back().end == n;
            for (int k = 0; k + 1 < parts; ++k) {
                ok &= r[static_cast<std::size_t>(k)].end == r[static_cast<std::size_t>(k + 1)].begin;
                ok &= r[static_cast<std::size_t>(k)].end % 16 == 0 || r[static_cast<std::size_t>(k)].end == n;
            }
            CHECK(ok, "split_range(%u, %d)", n, parts);
        }
}

// Trace histories against the explicit sums over spikes, including reads in the past (axonal delays).
static void test_trace() {
    const double dt = 0.1, tau = 20.0;
    const std::vector<step_t> spikes = {10, 12, 40, 41, 300, 302, 305};
    for (TraceMode mode : {TraceMode::all_to_all, TraceMode::nearest}) {
        SpikeTrace tr(tau, mode);
        tr.configure(2, 8, dt);
        double worst = 0.0;
        for (step_t s : spikes) tr.on_spike(1, s);
        for (step_t t = 0; t < 400; ++t) {
            // all_to_all: sum over earlier spikes; nearest: the latest spike only
            double ref = 0.0;
            for (step_t s : spikes)
                if (s <= t) ref = (mode == TraceMode::all_to_all ? ref : 0.0) + std::exp(-(t - s) * dt / tau);
            worst = std::max(worst, std::abs(tr.value_at(1, t) - ref));
        }
        CHECK(worst < 1e-12, "trace mode %d: max error %g", static_cast<int>(mode), worst);
        CHECK(tr.value_at(0, 399) == 0.0, "a silent neuron's trace is 0");
        CHECK(tr.value_at(1, 40, true) < tr.value_at(1, 40, false), "strict excludes the spike at t");
    }
    // past 30 tau the trace reads 0
    SpikeTrace tr(1.0, TraceMode::all_to_all);
    tr.configure(1, 3, 0.1);
    tr.on_spike(0, 0);
    CHECK(tr.value_at(0, 299) > 0.0 && tr.value_at(0, 301) == 0.0, "30 tau cut-off");
}

// Split-phase barrier: no thread leaves phase p before every thread has arrived at phase p.
static void test_barrier() {
    const int n = 4, phases = 3000;  // 4 threads: on a 2-core machine this also exercises the sleeping path
    SpinBarrier bar(n);
    std::atomic<int> arrived{0};
    std::atomic<int> errors{0};
    std::vector<std::thread> ts;
    for (int k = 0; k < n; ++k)
        ts.emplace_back([&] {
            for (int p = 0; p < phases; ++p) {
                arrived.fetch_add(1);
                const unsigned ticket = bar.arrive();
                bar.wait(ticket);
                if (arrived.load() < (p + 1) * n) errors.fetch_add(1);
                bar.wait();
            }
        });
    for (auto& t : ts) t.join();
    CHECK(errors.load() == 0, "barrier let %d threads through early", errors.load());
}

int main() {
    test_philox_known_answers();
    test_streams();
    test_fast_exp();
    test_fast_exp_poly();
    test_lif_cond_blocks();
    test_partition();
    test_trace();
    test_barrier();
    std::printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
