// Design notes: the matrix exponential of a small dense matrix (the propagator of a linear system over one step),
// by scaling and squaring with a [13/13] Pade approximant (Higham 2005). Double precision, row-major n x n;
// relative accuracy near machine precision for the well-scaled matrices of neuron models. Used once per run, never
// in the step loop.
#pragma once
#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace pyneuro {

namespace expm_detail {
using Mat = std::vector<double>;
inline Mat mul(const Mat& a, const Mat& b, int n) {
    Mat c(static_cast<std::size_t>(n * n), 0.0);
    for (int i = 0; i < n; ++i)
        for (int k = 0; k < n; ++k) {
            const double x = a[static_cast<std::size_t>(i * n + k)];
            if (x == 0.0) continue;
            for (int j = 0; j < n; ++j) c[static_cast<std::size_t>(i * n + j)] += x * b[static_cast<std::size_t>(k * n + j)];
        }
    return c;
}
// Solves a X = b (n x n, several right-hand sides as columns of b) by Gaussian elimination with partial pivoting.
inline bool solve(Mat a, Mat& b, int n) {
    for (int c = 0; c < n; ++c) {
        int piv = c;
        for (int r = c + 1; r < n; ++r)
            if (std::fabs(a[static_cast<std::size_t>(r * n + c)]) > std::fabs(a[static_cast<std::size_t>(piv * n + c)])) piv = r;
        if (a[static_cast<std::size_t>(piv * n + c)] == 0.0) return false;
        if (piv != c)
            for (int j = 0; j < n; ++j) {
                std::swap(a[static_cast<std::size_t>(c * n + j)], a[static_cast<std::size_t>(piv * n + j)]);
                std::swap(b[static_cast<std::size_t>(c * n + j)], b[static_cast<std::size_t>(piv * n + j)]);
            }
        for (int r = 0; r < n; ++r) {
            if (r == c) continue;
            const double f = a[static_cast<std::size_t>(r * n + c)] / a[static_cast<std::size_t>(c * n + c)];
            if (f == 0.0) continue;
            for (int j = 0; j < n; ++j) {
                a[static_cast<std::size_t>(r * n + j)] -= f * a[static_cast<std::size_t>(c * n + j)];
                b[static_cast<std::size_t>(r * n + j)] -= f * b[static_cast<std::size_t>(c * n + j)];
            }
        }
    }
    for (int r = 0; r < n; ++r) {
        const double d = a[static_cast<std::size_t>(r * n + r)];
        for (int j = 0; j < n; ++j) b[static_cast<std::size_t>(r * n + j)] /= d;
    }
    return true;
}
}  // namespace expm_detail

// exp(a) for an n x n row-major matrix; empty on failure (non-finite input).
inline std::vector<double> expm(const std::vector<double>& a, int n) {
    using namespace expm_detail;
    static const double b[] = {64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0,
                               129060195264000.0,   10559470521600.0,    670442572800.0,     33522128640.0,
                               1323241920.0,        40840800.0,          960960.0,           16380.0,
                               182.0,               1.0};
    double norm = 0.0;  // 1-norm
    for (int j = 0; j < n; ++j) {
        double s = 0.0;
        for (int i = 0; i < n; ++i) s += std::fabs(a[static_cast<std::size_t>(i * n + j)]);
        norm = std::max(norm, s);
    }
    if (!std::isfinite(norm)) return {};
    int sq = 0;
    if (norm > 5.371920351148152) sq = static_cast<int>(std::ceil(std::log2(norm / 5.371920351148152)));
    Mat A = a;
    const double scale = std::ldexp(1.0, -sq);
    for (double& x : A) x *= scale;
    Mat I(static_cast<std::size_t>(n * n), 0.0);
    for (int i = 0; i < n; ++i) I[static_cast<std::size_t>(i * n + i)] = 1.0;
    const Mat A2 = mul(A, A, n), A4 = mul(A2, A2, n), A6 = mul(A4, A2, n);
    Mat U1(I.size()), V(I.size()), W(I.size()), Z(I.size());
    for (std::size_t q = 0; q < I.size(); ++q) {
        U1[q] = b[13] * A6[q] + b[11] * A4[q] + b[9] * A2[q];
        W[q] = b[7] * A6[q] + b[5] * A4[q] + b[3] * A2[q] + b[1] * I[q];
        Z[q] = b[12] * A6[q] + b[10] * A4[q] + b[8] * A2[q];
        V[q] = b[6] * A6[q] + b[4] * A4[q] + b[2] * A2[q] + b[0] * I[q];
    }
    Mat U = mul(A6, U1, n);
    for (std::size_t q = 0; q < U.size(); ++q) U[q] += W[q];
    U = mul(A, U, n);
    Mat V2 = mul(A6, Z, n);
    for (std::size_t q = 0; q < V2.size(); ++q) V2[q] += V[q];
    Mat P(I.size()), Q(I.size());
    for (std::size_t q = 0; q < I.size(); ++q) {
        P[q] = V2[q] + U[q];
        Q[q] = V2[q] - U[q];
    }
    if (!solve(Q, P, n)) return {};
    for (int k = 0; k < sq; ++k) P = mul(P, P, n);
    return P;
}

}  // namespace pyneuro
