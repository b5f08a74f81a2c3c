// Design notes: a branch-free exp for the neuron update loops.
// It is written with plain IEEE float operations only, so the compiler's vectorised loop body and its scalar
// remainder give bit-identical results (libm's expf and its vector variant do not promise that). Neurons fall in
// the vector body or the remainder depending on the thread partition, so this is what keeps spike trains
// identical for every thread count. The build disables FMA contraction (-ffp-contract=off) for the same reason.
// Accuracy: about 2 ulp over [-87, 88].
#pragma once
#include <cstdint>
#include <cmath>
#include <cstring>

// PYNEURO_KERNEL marks a hot loop to be compiled for several x86-64 levels (AVX-512, AVX2, baseline), the best
// one chosen once at load time. This is safe for determinism: without FMA contraction every level performs the
// same IEEE operations per element, so results are identical whatever the level (and the thread count).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(PYNEURO_NO_CLONES)
#define PYNEURO_KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define PYNEURO_KERNEL
#endif

namespace pyneuro {

// A decaying variable is set to 0 once it is below 1e-30 in magnitude, before it becomes a denormal: denormal
// arithmetic is 10-100x slower on most CPUs, and silent neurons would otherwise pay for it forever.
inline float flush_tiny(float x) { return std::fabs(x) < 1e-30f ? 0.0f : x; }

// The common end of a vectorised integrate-and-fire step for one neuron: during refractoriness v is held at
// v_reset and the counter counts down; otherwise a crossing of v_th resets v, restarts the counter and raises the
// spike flag. Branch-free, so the calling loop vectorises.
inline void settle_spike(float v_new, float v_reset, float v_th, std::int32_t ref_steps, float& v, std::int32_t& rf,
                         std::uint8_t& flag) {
    const std::int32_t r = rf;
    const std::int32_t refr = r > 0;
    const float vn = refr ? v_reset : v_new;
    const std::int32_t spike = (refr == 0) & (vn >= v_th);  // a refractory neuron never fires, whatever v_th
    v = spike ? v_reset : vn;
    rf = spike ? ref_steps : r - refr;
    flag = static_cast<std::uint8_t>(spike);
}

// clip(x, lo, hi) of the expression language of user definitions: std::min(std::max(x, lo), hi), the comparisons
// of libstdc++'s std::clamp with which the built-in rules clip their weights (so a rule rewritten as a definition
// rounds the same way, and compiles to the same max/min instructions) and NumPy's clip (hi where lo > hi).
template <class T>
inline T clip_value(T x, T lo, T hi) {
    const T m = x < lo ? lo : x;
    return hi < m ? hi : m;
}

// exp(r) on [-ln2/2, ln2/2]: degree-6 Taylor/minimax polynomial (the core of fast_exp).
inline float fast_exp_poly(float r) {
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    return p * r * r + r + 1.0f;
}

// Where fast_exp needs no range reduction: for |x| <= kExpSmall the reduction below finds n = 0, so r = x exactly
// (x - 0 and x + 0 are x; a zero's sign does not reach the result, which is then 1 + 0) and the scale is 1, and
// fast_exp(x) is fast_exp_poly(x) bit for bit. A loop whose arguments are all that small may call the polynomial
// alone (half the operations); the bound leaves a margin below ln2 / 2 = 0.3466 for the rounding of x / ln2.
constexpr float kExpSmall = 0.34f;
inline bool exp_is_small(float x) { return (x >= -kExpSmall) & (x <= kExpSmall); }  // false for NaN

inline float fast_exp(float x) {
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
    // n = round(x / ln2) via the 1.5 * 2^23 trick (exact for |x / ln2| < 2^22)
    const float shifter = 12582912.0f;
    const float t = x * 1.44269504088896341f + shifter;
    const float n = t - shifter;
    // r = x - n ln2 in two parts (Cody-Waite)
    float r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    const float p = fast_exp_poly(r);
    // scale by 2^n
    std::int32_t ni = static_cast<std::int32_t>(n);
    std::int32_t bits = (ni + 127) << 23;
    float scale;
    std::memcpy(&scale, &bits, sizeof(float));
    return p * scale;
}

}  // namespace pyneuro
