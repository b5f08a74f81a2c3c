// Design notes: a stand-alone measurement of the cost floor of the postsynaptic half of spike-timing rules on a W4-sized
// plastic projection (20000 x 20000 neurons, connection probability 0.05: 2e7 synapses, 80 MB of float32 weights on
// transparent huge pages). The weights are stored by presynaptic neuron (as pyneuro's forward store); a postsynaptic
// spike walks the neuron's incoming synapses through a post-major index of 32-bit synapse positions and presynaptic
// ids, so every synapse is a random read-modify-write of one cache line. Six neurons fire per 0.1 ms step (a 3 Hz
// network). Variants (CPU time per updated synapse, medians over alternating repetitions):
//   full D        the triplet rule's branch-free body (presynaptic trace from a 16-byte arrival copy per neuron, a
//                 decay-table read, clip, select), weight and trace entry prefetched D synapses ahead;
//   full D cat    the same over the step's walks concatenated (the prefetch crosses into the next neuron's walk);
//   full D L2     the same with the weight prefetched into L2 only (prefetcht1);
//   full 0        no software prefetch;
//   full 16 simd  the same body eight synapses at a time with AVX-512 (gathers, a masked scatter), as pyneuro's
//                 post_add_clipped (listed when compiled with AVX-512, e.g. -march=native on such a CPU);
//   rmw D         the weight read-modify-write alone (the floor of any rule that writes the weight);
//   read D        the weight read alone (the floor of a walk that does not write).
// The gap between "full" and "rmw" is what a better loop body could still save; "rmw" itself only an algorithm that
// does not visit the synapses in post-major order at post spikes can avoid.
//   g++ -O3 -march=native -o /tmp/post_walk_roofline benchmarks/post_walk_roofline.cpp && /tmp/post_walk_roofline 3
// GCC 12 warns of the undefined lanes inside its own AVX-512 intrinsics (GCC bug 105593): not this file's.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#include <sys/mman.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace {

struct alignas(16) Entry {
    std::int64_t step;
    double val;
};

double cpu_now() {
    timespec c{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c);
    return static_cast<double>(c.tv_sec) + 1e-9 * static_cast<double>(c.tv_nsec);
}

struct Net {
    static constexpr int N = 20000, kSteps = 3000, kPerStep = 6;
    std::size_t S = 0;
    float* w = nullptr;
    std::vector<std::uint32_t> ptr, syn, pre;
    std::vector<Entry> arr;
    std::vector<double> dec;
    std::vector<int> fire;

    Net() {
        std::mt19937_64 g(1);
        std::bernoulli_distribution b(0.05);
        std::vector<std::uint32_t> row_ptr(N + 1, 0), post;
        for (int j = 0; j < N; ++j) {
            for (int i = 0; i < N; ++i)
                if (b(g)) post.push_back(static_cast<std::uint32_t>(i));
            row_ptr[j + 1] = static_cast<std::uint32_t>(post.size());
        }
        S = post.size();
        const std::size_t huge = std::size_t{1} << 21, bytes = (S * 4 + huge - 1) / huge * huge;
        w = static_cast<float*>(std::aligned_alloc(huge, bytes));
        madvise(w, bytes, MADV_HUGEPAGE);
        for (std::size_t k = 0; k < S; ++k) w[k] = 0.5f;
        ptr.assign(N + 1, 0);
        syn.resize(S);
        pre.resize(S);
        for (std::size_t k = 0; k < S; ++k) ++ptr[post[k] + 1];
        for (int i = 0; i < N; ++i) ptr[i + 1] += ptr[i];
        std::vector<std::uint32_t> end(ptr.begin(), ptr.end() - 1);
        for (int j = 0; j < N; ++j)
            for (std::uint32_t k = row_ptr[j]; k < row_ptr[j + 1]; ++k) {
                const std::uint32_t m = end[post[k]]++;
                pre[m] = static_cast<std::uint32_t>(j);
                syn[m] = k;
            }
        arr.resize(N);
        for (auto& e : arr) e = {static_cast<std::int64_t>(g() % 3000), 1.0 + static_cast<double>(g() % 100) * 0.01};
        dec.assign(5041, 0.0);  // tau_plus 16.8 ms at 0.1 ms for 30 tau, then a 0
        for (int q = 0; q < 5040; ++q) dec[static_cast<std::size_t>(q)] = std::exp(-q * 0.1 / 16.8);
        std::uniform_int_distribution<int> ui(0, N - 1);
        fire.resize(kSteps * kPerStep);
        for (auto& f : fire) f = ui(g);
    }
    ~Net() { std::free(w); }

    // one variant over all steps; returns CPU ns per updated synapse
    double run(const std::string& kind, std::uint64_t D) {
        const double fac = 1e-3, lo = 0.0, hi = 10.0;
        const Entry* ap = arr.data();
        const double* dp = dec.data();
        const std::uint32_t* sy = syn.data();
        const std::uint32_t* pr = pre.data();
        float* wp = w;
        std::int64_t t = 4000;
        std::uint64_t cnt = 0;
        float acc = 0.0f;
        std::vector<std::uint64_t> cat;
        auto body = [&](std::uint64_t m) __attribute__((always_inline)) {
            const Entry& e = ap[pr[m]];
            const std::uint64_t d = std::min<std::uint64_t>(static_cast<std::uint64_t>(t - e.step), 5040);
            const double x = e.val * dp[d];
            const float old = wp[sy[m]];
            const float nw = static_cast<float>(std::clamp(old + x * fac, lo, hi));
            wp[sy[m]] = x != 0.0 ? nw : old;
        };
        const double c0 = cpu_now();
        for (int s = 0; s < kSteps; ++s, ++t) {
            const int* f = &fire[static_cast<std::size_t>(s) * kPerStep];
            if (kind == "full cat") {
                cat.clear();
                for (int q = 0; q < kPerStep; ++q)
                    for (std::uint64_t m = ptr[f[q]]; m < ptr[f[q] + 1]; ++m) cat.push_back(m);
                const std::size_t n = cat.size();
                for (std::size_t z = 0; z < n; ++z) {
                    if (z + D < n) {
                        __builtin_prefetch(&ap[pr[cat[z + D]]]);
                        __builtin_prefetch(&wp[sy[cat[z + D]]], 1);
                    }
                    body(cat[z]);
                }
                cnt += n;
                continue;
            }
            for (int q = 0; q < kPerStep; ++q) {
                const std::uint64_t pb = ptr[f[q]], pe = ptr[f[q] + 1];
                cnt += pe - pb;
#ifdef __AVX512F__
                if (kind == "full simd") {
                    const __m512i vtp = _mm512_set1_epi64(t), vlen = _mm512_set1_epi64(5040);
                    const __m512d vfac = _mm512_set1_pd(fac), vlo = _mm512_set1_pd(lo), vhi = _mm512_set1_pd(hi);
                    std::uint64_t m = pb;
                    for (; m + 8 <= pe; m += 8) {
                        for (std::uint64_t z = m + D; z < std::min(m + D + 8, pe); ++z) {
                            __builtin_prefetch(&ap[pr[z]]);
                            __builtin_prefetch(&wp[sy[z]], 1);
                        }
                        const __m256i vp = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(pr + m));
                        const __m256i vs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(sy + m));
                        const __m256i vp2 = _mm256_add_epi32(vp, vp);
                        const __m512i st = _mm512_mask_i32gather_epi64(_mm512_setzero_si512(), 0xFF, vp2, reinterpret_cast<const long long*>(ap), 8);
                        const __m512d val = _mm512_mask_i32gather_pd(_mm512_setzero_pd(), 0xFF, vp2, reinterpret_cast<const double*>(ap) + 1, 8);
                        const __m512i qd = _mm512_min_epu64(_mm512_sub_epi64(vtp, st), vlen);
                        const __m512d x = _mm512_mul_pd(val, _mm512_mask_i64gather_pd(_mm512_setzero_pd(), 0xFF, qd, dp, 8));
                        const __m512d nv = _mm512_add_pd(_mm512_cvtps_pd(_mm256_mmask_i32gather_ps(_mm256_setzero_ps(), 0xFF, vs, wp, 4)), _mm512_mul_pd(x, vfac));
                        __m512d r = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(vhi, nv, _CMP_LT_OQ), nv, vhi);
                        r = _mm512_mask_blend_pd(_mm512_cmp_pd_mask(nv, vlo, _CMP_LT_OQ), r, vlo);
                        _mm256_mask_i32scatter_ps(wp, _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_NEQ_UQ), vs,
                                                  _mm512_cvtpd_ps(r), 4);
                    }
                    for (; m < pe; ++m) body(m);
                    continue;
                }
#endif
                if (kind == "full") {
                    for (std::uint64_t m = pb; m < pe; ++m) {
                        if (D && m + D < pe) {
                            __builtin_prefetch(&ap[pr[m + D]]);
                            __builtin_prefetch(&wp[sy[m + D]], 1);
                        }
                        body(m);
                    }
                } else if (kind == "full L2") {
                    for (std::uint64_t m = pb; m < pe; ++m) {
                        if (m + D < pe) {
                            __builtin_prefetch(&ap[pr[m + D]]);
                            __builtin_prefetch(&wp[sy[m + D]], 1, 2);
                        }
                        body(m);
                    }
                } else if (kind == "rmw") {
                    for (std::uint64_t m = pb; m < pe; ++m) {
                        if (m + D < pe) __builtin_prefetch(&wp[sy[m + D]], 1);
                        wp[sy[m]] += 1e-7f;
                    }
                } else {  // read
                    for (std::uint64_t m = pb; m < pe; ++m) {
                        if (m + D < pe) __builtin_prefetch(&wp[sy[m + D]], 0);
                        acc += wp[sy[m]];
                    }
                }
            }
        }
        const double sec = cpu_now() - c0;
        if (acc == -1.0f) std::puts("");  // keeps the read loop
        return sec / static_cast<double>(cnt) * 1e9;
    }
};

}  // namespace

int main(int argc, char** argv) {
    const int reps = argc > 1 ? std::atoi(argv[1]) : 3;
    Net net;
    struct V {
        std::string name, kind;
        std::uint64_t D;
        std::vector<double> ns;
    };
    std::vector<V> vs = {{"full 16", "full", 16, {}},     {"full 32", "full", 32, {}},     {"full 8", "full", 8, {}},
                         {"full 0", "full", 0, {}},       {"full 16 cat", "full cat", 16, {}},
#ifdef __AVX512F__
                         {"full 16 simd", "full simd", 16, {}},
#endif
                         {"full 16 L2", "full L2", 16, {}}, {"rmw 16", "rmw", 16, {}},     {"rmw 32", "rmw", 32, {}},
                         {"read 16", "read", 16, {}}};
    for (int r = 0; r < reps; ++r)
        for (std::size_t q = 0; q < vs.size(); ++q) {
            V& v = vs[r % 2 ? vs.size() - 1 - q : q];
            v.ns.push_back(net.run(v.kind, v.D));
        }
    std::printf("post-major walk over %zu synapses (80 MB weights), CPU ns per updated synapse, median of %d\n", net.S,
                reps);
    for (auto& v : vs) {
        std::sort(v.ns.begin(), v.ns.end());
        std::printf("  %-12s %6.2f   [%.2f .. %.2f]\n", v.name.c_str(), v.ns[v.ns.size() / 2], v.ns.front(), v.ns.back());
    }
    double l[3] = {0, 0, 0};
    if (FILE* f = std::fopen("/proc/loadavg", "r")) {
        if (std::fscanf(f, "%lf %lf %lf", &l[0], &l[1], &l[2]) != 3) l[0] = -1;
        std::fclose(f);
    }
    std::printf("load average %.2f %.2f %.2f\n", l[0], l[1], l[2]);
}
