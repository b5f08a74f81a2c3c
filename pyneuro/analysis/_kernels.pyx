# cython: boundscheck=False, wraparound=False, cdivision=True, language_level=3, initializedcheck=False
"""Compiled kernels of :mod:`pyneuro.analysis`.

Design notes
------------
- Inputs are checked by the Python layer (``pyneuro/analysis/__init__.py``) before they get here: times are finite
  float64, indices are int64 in [0, n), windows and bins are valid, output arrays have the right shape. The kernels
  trust them and hold no Python objects in their loops; each loop runs without the GIL.
- A time ``x`` falls in bin ``k`` when ``edges[k] <= x < edges[k + 1]``; the last bin is closed on the right, and
  anything outside ``[edges[0], edges[nb]]`` is in no bin. This is exactly ``np.histogram(x, bins=edges)``, decided
  by comparisons with the same float64 edges, so counts equal numpy's bit for bit (``_bin_of``).
- Kernels that need the spikes of each neuron in time order (ISI, count moments) are given time-sorted input; the
  Python layer sorts (stably) when the input is not sorted already.
"""

from libc.math cimport NAN, sqrt
from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc


cdef inline Py_ssize_t _bin_of(double x, const double* edges, Py_ssize_t nb, double inv_bin) noexcept nogil:
    """Bin of ``x`` (``edges[k] <= x < edges[k+1]``, last bin closed), or -1 outside the edges."""
    cdef Py_ssize_t k
    if not (x >= edges[0] and x <= edges[nb]):
        return -1
    k = <Py_ssize_t>((x - edges[0]) * inv_bin)  # a guess from uniform spacing, corrected against the edges
    if k > nb - 1:
        k = nb - 1
    if k < 0:
        k = 0
    while k > 0 and x < edges[k]:
        k -= 1
    while k < nb - 1 and x >= edges[k + 1]:
        k += 1
    return k


def is_sorted(const double[::1] t):
    """True when ``t`` is non-decreasing."""
    cdef Py_ssize_t i, m = t.shape[0]
    cdef bint ok = True
    with nogil:
        for i in range(1, m):
            if t[i] < t[i - 1]:
                ok = False
                break
    return ok


def count_in_window(const double[::1] t, const int64_t[::1] idx, double t0, double t1, int64_t[::1] out):
    """``out[i] += #{spikes of i with t0 <= t <= t1}``."""
    cdef Py_ssize_t s, m = t.shape[0]
    cdef double x
    with nogil:
        for s in range(m):
            x = t[s]
            if x >= t0 and x <= t1:
                out[idx[s]] += 1


def bin_counts(const double[::1] t, const int64_t[::1] idx, const double[::1] edges, const int64_t[::1] row_of,
               int64_t[:, ::1] out):
    """``out[row_of[i], k] += 1`` for every spike of neuron ``i`` in bin ``k`` (neurons with ``row_of[i] < 0``
    are skipped)."""
    cdef Py_ssize_t s, k, r, m = t.shape[0], nb = edges.shape[0] - 1
    cdef double inv_bin = nb / (edges[nb] - edges[0])
    with nogil:
        for s in range(m):
            r = row_of[idx[s]]
            if r < 0:
                continue
            k = _bin_of(t[s], &edges[0], nb, inv_bin)
            if k >= 0:
                out[r, k] += 1


def isi_cv(const double[::1] t, const int64_t[::1] idx, double t0, double t1, double[::1] out):
    """Coefficient of variation std/mean (population std, ddof 0) of the inter-spike intervals of each neuron,
    using the spikes with ``t0 <= t <= t1``; NaN for neurons with fewer than 3 such spikes.

    ``t`` must be sorted. Two passes (mean, then squared deviations) for accuracy."""
    cdef Py_ssize_t s, i, m = t.shape[0], n = out.shape[0]
    cdef double x, d
    cdef double* last = <double*>malloc(n * sizeof(double))
    cdef double* mean = <double*>malloc(n * sizeof(double))
    cdef double* ssd = <double*>malloc(n * sizeof(double))
    cdef int64_t* cnt = <int64_t*>malloc(n * sizeof(int64_t))
    if last == NULL or mean == NULL or ssd == NULL or cnt == NULL:
        free(last); free(mean); free(ssd); free(cnt)
        raise MemoryError()
    with nogil:
        for i in range(n):
            cnt[i] = 0
            mean[i] = 0.0
            ssd[i] = 0.0
        for s in range(m):  # pass 1: sum of intervals
            x = t[s]
            if x >= t0 and x <= t1:
                i = idx[s]
                if cnt[i] > 0:
                    mean[i] += x - last[i]
                last[i] = x
                cnt[i] += 1
        for i in range(n):
            if cnt[i] > 1:
                mean[i] /= cnt[i] - 1
            cnt[i] = 0
        for s in range(m):  # pass 2: squared deviations from the mean interval
            x = t[s]
            if x >= t0 and x <= t1:
                i = idx[s]
                if cnt[i] > 0:
                    d = (x - last[i]) - mean[i]
                    ssd[i] += d * d
                last[i] = x
                cnt[i] += 1
        for i in range(n):
            if cnt[i] < 3:
                out[i] = NAN
            else:
                out[i] = sqrt(ssd[i] / (cnt[i] - 1)) / mean[i]  # 0/0 (all spikes at one time) gives NaN
    free(last); free(mean); free(ssd); free(cnt)


def count_moments(const double[::1] t, const int64_t[::1] idx, const double[::1] edges, int64_t[::1] total,
                  double[::1] ssd):
    """Per neuron, from its spike counts ``c_k`` in the bins given by ``edges``: ``total[i] = sum_k c_k`` and
    ``ssd[i] = sum_k (c_k - mean)^2`` with ``mean = total[i] / nb``, without building the count matrix.

    ``t`` must be sorted: then a neuron's spikes in one bin are consecutive among its spikes, and its counts are
    the lengths of those runs. Memory O(n)."""
    cdef Py_ssize_t s, i, k, m = t.shape[0], n = total.shape[0], nb = edges.shape[0] - 1
    cdef double inv_bin = nb / (edges[nb] - edges[0])
    cdef double mu, d
    cdef Py_ssize_t* cur = <Py_ssize_t*>malloc(n * sizeof(Py_ssize_t))
    cdef int64_t* run = <int64_t*>malloc(n * sizeof(int64_t))
    cdef int64_t* filled = <int64_t*>malloc(n * sizeof(int64_t))
    if cur == NULL or run == NULL or filled == NULL:
        free(cur); free(run); free(filled)
        raise MemoryError()
    with nogil:
        for i in range(n):
            total[i] = 0
            ssd[i] = 0.0
            cur[i] = -1
            run[i] = 0
            filled[i] = 0
        for s in range(m):
            if _bin_of(t[s], &edges[0], nb, inv_bin) >= 0:
                total[idx[s]] += 1
        for s in range(m):
            k = _bin_of(t[s], &edges[0], nb, inv_bin)
            if k < 0:
                continue
            i = idx[s]
            if k != cur[i]:
                if run[i] > 0:
                    d = run[i] - <double>total[i] / nb
                    ssd[i] += d * d
                    filled[i] += 1
                cur[i] = k
                run[i] = 0
            run[i] += 1
        for i in range(n):
            mu = <double>total[i] / nb
            if run[i] > 0:
                d = run[i] - mu
                ssd[i] += d * d
                filled[i] += 1
            ssd[i] += (nb - filled[i]) * mu * mu  # the empty bins
    free(cur); free(run); free(filled)


def pair_correlations(const double[:, ::1] x, const int64_t[:, ::1] pairs, double[::1] out):
    """Pearson correlation of rows ``pairs[p, 0]`` and ``pairs[p, 1]`` of ``x`` (rows already centred):
    ``sum_k x_ik x_jk / sqrt(sum_k x_ik^2 * sum_k x_jk^2)``, clipped to [-1, 1]; NaN when a row is all zero."""
    cdef Py_ssize_t p, k, a, b, npairs = pairs.shape[0], nb = x.shape[1], nr = x.shape[0]
    cdef double dot, r
    cdef double* norm2 = <double*>malloc((nr if nr > 0 else 1) * sizeof(double))
    if norm2 == NULL:
        raise MemoryError()
    with nogil:
        for a in range(nr):
            dot = 0.0
            for k in range(nb):
                dot += x[a, k] * x[a, k]
            norm2[a] = dot
        for p in range(npairs):
            a = pairs[p, 0]
            b = pairs[p, 1]
            if norm2[a] == 0.0 or norm2[b] == 0.0:
                out[p] = NAN
                continue
            dot = 0.0
            for k in range(nb):
                dot += x[a, k] * x[b, k]
            r = dot / (sqrt(norm2[a]) * sqrt(norm2[b]))
            out[p] = 1.0 if r > 1.0 else (-1.0 if r < -1.0 else r)
    free(norm2)


cdef void _ccg(const double* ta, Py_ssize_t na, const double* tb, Py_ssize_t nb_, const double* edges,
               Py_ssize_t nbins, double inv_bin, int64_t* out) noexcept nogil:
    """Histogram of ``tb[j] - ta[i]`` over all pairs with ``edges[0] <= d <= edges[nbins]``.

    Both trains sorted. ``lo`` is the first spike of b with ``tb[lo] - ta[i] >= edges[0]``; it only moves forward
    as ``ta[i]`` grows (float subtraction is monotone), so the sweep costs O(na + nb + pairs)."""
    cdef Py_ssize_t i, j, lo = 0, k
    cdef double a, d, lo_e = edges[0], hi_e = edges[nbins]
    for i in range(na):
        a = ta[i]
        while lo < nb_ and tb[lo] - a < lo_e:
            lo += 1
        j = lo
        while j < nb_:
            d = tb[j] - a
            if d > hi_e:
                break
            k = _bin_of(d, edges, nbins, inv_bin)
            out[k] += 1
            j += 1


def cross_correlogram(const double[::1] ta, const double[::1] tb, const double[::1] edges, int64_t[::1] out):
    """``out[k] += #{(i, j): edges[k] <= tb[j] - ta[i] < edges[k+1]}`` (last bin closed); both trains sorted."""
    cdef Py_ssize_t nbins = edges.shape[0] - 1
    cdef double inv_bin = nbins / (edges[nbins] - edges[0])
    if ta.shape[0] == 0 or tb.shape[0] == 0:
        return
    with nogil:
        _ccg(&ta[0], ta.shape[0], &tb[0], tb.shape[0], &edges[0], nbins, inv_bin, &out[0])


def pair_cross_correlograms(const double[::1] t, const int64_t[::1] offsets, const int64_t[:, ::1] pairs,
                            const double[::1] edges, int64_t[::1] out):
    """Sum over ``pairs`` (i, j) of the correlogram of train i (a) and train j (b), where the train of neuron ``i``
    is ``t[offsets[i]:offsets[i+1]]`` (each sorted)."""
    cdef Py_ssize_t p, i, j, nbins = edges.shape[0] - 1
    cdef double inv_bin = nbins / (edges[nbins] - edges[0])
    if t.shape[0] == 0:
        return
    with nogil:
        for p in range(pairs.shape[0]):
            i = pairs[p, 0]
            j = pairs[p, 1]
            if offsets[i + 1] > offsets[i] and offsets[j + 1] > offsets[j]:
                _ccg(&t[offsets[i]], offsets[i + 1] - offsets[i], &t[offsets[j]], offsets[j + 1] - offsets[j],
                     &edges[0], nbins, inv_bin, &out[0])
