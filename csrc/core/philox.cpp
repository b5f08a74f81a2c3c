// Design notes: the batched Philox4x32-10 (see philox.hpp): the ten rounds over kPhiloxBatch lanes in
// structure-of-arrays form. On x86-64 processors with AVX-512 (checked at run time) the rounds run on 16 lanes per
// register, four registers per word for independent dependency chains (even and odd lanes' 32x32->64-bit products
// by vpmuludq, blended back); elsewhere a plain loop that the compiler vectorises for the baseline instruction set.
// Integer arithmetic only: every path gives exactly the numbers of Philox::operator().
#include "philox.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define PYNEURO_PHILOX_AVX512 1
#endif

namespace pyneuro {

namespace {

void batch_plain(const Philox& g, std::uint32_t (&c)[4][kPhiloxBatch]) {
    std::uint32_t k0 = g.key0(), k1 = g.key1();
    for (int r = 0; r < 10; ++r) {
        for (int i = 0; i < kPhiloxBatch; ++i) {
            const std::uint64_t p0 = static_cast<std::uint64_t>(0xD2511F53u) * c[0][i];
            const std::uint64_t p1 = static_cast<std::uint64_t>(0xCD9E8D57u) * c[2][i];
            const std::uint32_t n0 = static_cast<std::uint32_t>(p1 >> 32) ^ c[1][i] ^ k0;
            const std::uint32_t n2 = static_cast<std::uint32_t>(p0 >> 32) ^ c[3][i] ^ k1;
            c[0][i] = n0;
            c[1][i] = static_cast<std::uint32_t>(p1);
            c[2][i] = n2;
            c[3][i] = static_cast<std::uint32_t>(p0);
        }
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
}

#ifdef PYNEURO_PHILOX_AVX512
static_assert(kPhiloxBatch % 16 == 0);

__attribute__((target("avx512f"))) void batch_avx512(const Philox& g, std::uint32_t (&c)[4][kPhiloxBatch]) {
    constexpr int G = kPhiloxBatch / 16;
    __m512i x0[G], x1[G], x2[G], x3[G];
    for (int j = 0; j < G; ++j) {
        x0[j] = _mm512_loadu_si512(&c[0][16 * j]);
        x1[j] = _mm512_loadu_si512(&c[1][16 * j]);
        x2[j] = _mm512_loadu_si512(&c[2][16 * j]);
        x3[j] = _mm512_loadu_si512(&c[3][16 * j]);
    }
    const __m512i m0 = _mm512_set1_epi64(0xD2511F53), m1 = _mm512_set1_epi64(0xCD9E8D57);
    constexpr __mmask16 odd = 0xAAAA;
    std::uint32_t k0 = g.key0(), k1 = g.key1();
    for (int r = 0; r < 10; ++r) {
        const __m512i vk0 = _mm512_set1_epi32(static_cast<int>(k0)), vk1 = _mm512_set1_epi32(static_cast<int>(k1));
        for (int j = 0; j < G; ++j) {
            const __m512i e0 = _mm512_mul_epu32(x0[j], m0), o0 = _mm512_mul_epu32(_mm512_srli_epi64(x0[j], 32), m0);
            const __m512i e1 = _mm512_mul_epu32(x2[j], m1), o1 = _mm512_mul_epu32(_mm512_srli_epi64(x2[j], 32), m1);
            const __m512i lo0 = _mm512_mask_blend_epi32(odd, e0, _mm512_slli_epi64(o0, 32));
            const __m512i hi0 = _mm512_mask_blend_epi32(odd, _mm512_srli_epi64(e0, 32), o0);
            const __m512i lo1 = _mm512_mask_blend_epi32(odd, e1, _mm512_slli_epi64(o1, 32));
            const __m512i hi1 = _mm512_mask_blend_epi32(odd, _mm512_srli_epi64(e1, 32), o1);
            x0[j] = _mm512_xor_si512(_mm512_xor_si512(hi1, x1[j]), vk0);
            x1[j] = lo1;
            x2[j] = _mm512_xor_si512(_mm512_xor_si512(hi0, x3[j]), vk1);
            x3[j] = lo0;
        }
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    for (int j = 0; j < G; ++j) {
        _mm512_storeu_si512(&c[0][16 * j], x0[j]);
        _mm512_storeu_si512(&c[1][16 * j], x1[j]);
        _mm512_storeu_si512(&c[2][16 * j], x2[j]);
        _mm512_storeu_si512(&c[3][16 * j], x3[j]);
    }
}
#endif

}  // namespace

void philox_batch(const Philox& g, std::uint32_t (&c)[4][kPhiloxBatch]) {
#ifdef PYNEURO_PHILOX_AVX512
    static const bool wide = __builtin_cpu_supports("avx512f");
    if (wide) return batch_avx512(g, c);
#endif
    batch_plain(g, c);
}

}  // namespace pyneuro
