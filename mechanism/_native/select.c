/* Per-coordinate sums of order statistics of int64 rows (exact, wrap-around uint64 sums
 * like numpy's int64 sums), for the coordinate-wise median and trimmed mean of
 * mechanism/aggregation.
 *
 * rank_sum(x, d, rows, lo, hi, out, threads): for every coordinate k < d, sort the
 * values x[rows[r] * d + k] (r < m) and write the sum of the sorted values with rank in
 * [lo, hi) to out[k]. The sort is Batcher's odd-even merge sorting network (Knuth, TAOCP
 * vol. 3, 5.3.4) over m wires, pruned to the comparators the needed ranks depend on;
 * each comparator is applied to a block of coordinates at once (SIMD lanes), reading
 * the row-major input in place (no transpose). When [lo, hi) is the larger part, the
 * sum is the row total minus the ranks outside it. The GIL is released; coordinate
 * blocks are split over threads. Sorting is exact, so the result equals a sort-based
 * reference bit for bit.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "common.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LANES 64

typedef struct {
    const int64_t *x;
    size_t d;
    const int64_t *rows;
    int m;
    const int32_t *cmp; /* pairs */
    int ncmp;
    int lo, hi;       /* ranks summed: [lo, hi) directly, or total minus the rest */
    int complement;
    int64_t *out;
    size_t k_lo, k_hi; /* coordinate range of this job */
    int fail;
} job_t;

typedef int64_t v4i __attribute__((vector_size(32), aligned(32)));

/* One compare-exchange per comparator on LANES coordinates: (a, b) <- (min, max). */
CLONES
static void network(int64_t *w, const int32_t *cmp, int ncmp) {
    for (int c = 0; c < ncmp; c++) {
        v4i *a = (v4i *)(w + (size_t)cmp[2 * c] * LANES);
        v4i *b = (v4i *)(w + (size_t)cmp[2 * c + 1] * LANES);
        for (int q = 0; q < LANES / 4; q++) {
            v4i u = a[q], v = b[q];
            v4i lt = u < v;
            a[q] = (u & lt) | (v & ~lt);
            b[q] = (v & lt) | (u & ~lt);
        }
    }
}

typedef int32_t v16i __attribute__((vector_size(64), aligned(64)));

/* The same network on int32 lanes (every value of the block fits int32): four times the
 * lanes per vector of the int64 version and native min / max instructions. */
CLONES
static void network32(int32_t *w, const int32_t *cmp, int ncmp) {
    for (int c = 0; c < ncmp; c++) {
        v16i *a = (v16i *)(w + (size_t)cmp[2 * c] * LANES);
        v16i *b = (v16i *)(w + (size_t)cmp[2 * c + 1] * LANES);
        for (int q = 0; q < LANES / 16; q++) {
            v16i u = a[q], v = b[q];
            v16i lt = u < v;
            a[q] = (u & lt) | (v & ~lt);
            b[q] = (v & lt) | (u & ~lt);
        }
    }
}

/* One row of a full block: int32 copy, row totals; returns 1 iff every value fits int32. */
CLONES
static int32_t load_row(const int64_t *restrict src, int32_t *restrict d32, uint64_t *restrict tot) {
    uint64_t bad = 0;
    for (int l = 0; l < LANES; l++) {
        int64_t v = src[l];
        d32[l] = (int32_t)v;
        bad |= (uint64_t)v ^ (uint64_t)(int64_t)(int32_t)v;
        tot[l] += (uint64_t)v;
    }
    return bad == 0;
}

static void run_job(job_t *j) {
    int m = j->m;
    int64_t *w = aligned_alloc(64, sizeof(int64_t) * LANES * (size_t)(m ? m : 1));
    int32_t *w32 = aligned_alloc(64, sizeof(int32_t) * LANES * (size_t)(m ? m : 1));
    if (!w || !w32) {
        free(w);
        free(w32);
        j->fail = 1;
        return;
    }
    for (size_t k0 = j->k_lo; k0 < j->k_hi; k0 += LANES) {
        size_t lanes = j->k_hi - k0 < LANES ? j->k_hi - k0 : LANES;
        uint64_t tot[LANES] = {0}, acc[LANES];
        int32_t narrow = 1;
        /* first pass: int32 copy (exact when every value fits), row totals */
        for (int r = 0; r < m; r++) {
            const int64_t *src = j->x + (size_t)j->rows[r] * j->d + k0;
            int32_t *d32 = w32 + (size_t)r * LANES;
            if (lanes == LANES) {
                narrow &= load_row(src, d32, tot);
            } else {
                for (size_t l = 0; l < LANES; l++) {
                    int64_t v = l < lanes ? src[l] : 0;
                    d32[l] = (int32_t)v;
                    narrow &= (int64_t)d32[l] == v;
                    tot[l] += (uint64_t)v;
                }
            }
        }
        if (j->complement)
            memcpy(acc, tot, sizeof acc);
        else
            memset(acc, 0, sizeof acc);
        int r0 = j->complement ? 0 : j->lo, r1 = j->complement ? j->lo : j->hi;
        int r2 = j->complement ? j->hi : 0, r3 = j->complement ? m : 0;
        if (narrow) {
            network32(w32, j->cmp, j->ncmp);
            for (int pass = 0; pass < 2; pass++)
                for (int r = pass ? r2 : r0; r < (pass ? r3 : r1); r++)
                    for (int l = 0; l < LANES; l++) {
                        uint64_t v = (uint64_t)(int64_t)w32[(size_t)r * LANES + l];
                        acc[l] = j->complement ? acc[l] - v : acc[l] + v;
                    }
        } else {
            for (int r = 0; r < m; r++) {
                const int64_t *src = j->x + (size_t)j->rows[r] * j->d + k0;
                int64_t *dst = w + (size_t)r * LANES;
                memset(dst, 0, sizeof(int64_t) * LANES);
                memcpy(dst, src, sizeof(int64_t) * lanes);
            }
            network(w, j->cmp, j->ncmp);
            for (int pass = 0; pass < 2; pass++)
                for (int r = pass ? r2 : r0; r < (pass ? r3 : r1); r++)
                    for (int l = 0; l < LANES; l++) {
                        uint64_t v = (uint64_t)w[(size_t)r * LANES + l];
                        acc[l] = j->complement ? acc[l] - v : acc[l] + v;
                    }
        }
        for (size_t l = 0; l < lanes; l++) j->out[k0 + l] = (int64_t)acc[l];
    }
    free(w);
    free(w32);
}

static void *thread_main(void *arg) {
    run_job((job_t *)arg);
    return NULL;
}

/* Batcher's odd-even merge sort on the next power of two >= m, comparators touching a
 * wire >= m dropped (those wires hold +infinity), then pruned backwards to the ones the
 * wires in `need` depend on. Returns the comparator count; pairs in *out (malloc'd). */
static int build_network(int m, const char *need_in, int32_t **out) {
    int N = 1;
    while (N < m) N <<= 1;
    size_t cap = 64, cnt = 0;
    int32_t *all = malloc(sizeof(int32_t) * 2 * cap);
    if (!all) return -1;
    for (int p = 1; p < N; p <<= 1)
        for (int k = p; k >= 1; k >>= 1)
            for (int j = k % p; j <= N - 1 - k; j += 2 * k)
                for (int i = 0; i <= k - 1; i++)
                    if ((i + j) / (2 * p) == (i + j + k) / (2 * p)) {
                        int a = i + j, b = i + j + k;
                        if (b >= m) continue;
                        if (cnt == cap) {
                            cap *= 2;
                            int32_t *t = realloc(all, sizeof(int32_t) * 2 * cap);
                            if (!t) {
                                free(all);
                                return -1;
                            }
                            all = t;
                        }
                        all[2 * cnt] = a;
                        all[2 * cnt + 1] = b;
                        cnt++;
                    }
    char *need = malloc((size_t)(m ? m : 1));
    char *keep = malloc(cnt ? cnt : 1);
    if (!need || !keep) {
        free(all); free(need); free(keep);
        return -1;
    }
    memcpy(need, need_in, (size_t)m);
    for (size_t c = cnt; c-- > 0;) {
        int a = all[2 * c], b = all[2 * c + 1];
        keep[c] = need[a] || need[b];
        if (keep[c]) need[a] = need[b] = 1;
    }
    size_t kept = 0;
    for (size_t c = 0; c < cnt; c++)
        if (keep[c]) {
            all[2 * kept] = all[2 * c];
            all[2 * kept + 1] = all[2 * c + 1];
            kept++;
        }
    free(need);
    free(keep);
    *out = all;
    return (int)kept;
}

static PyObject *rank_sum(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer xb, rb, ob;
    Py_ssize_t d;
    int lo, hi, threads;
    if (!PyArg_ParseTuple(args, "y*ny*iiw*i", &xb, &d, &rb, &lo, &hi, &ob, &threads)) return NULL;
    PyObject *ret = NULL;
    int32_t *cmp = NULL;
    char *need = NULL;
    Py_ssize_t m = rb.len / (Py_ssize_t)sizeof(int64_t);
    Py_ssize_t nrows = d > 0 ? xb.len / ((Py_ssize_t)sizeof(int64_t) * d) : 0;
    const int64_t *rows = (const int64_t *)rb.buf;
    if (d < 1 || m < 1 || m > 1 << 20 || lo < 0 || hi > m || lo > hi || ob.len < d * (Py_ssize_t)sizeof(int64_t)) {
        PyErr_SetString(PyExc_ValueError, "rank_sum: need d >= 1, 1 <= m rows, 0 <= lo <= hi <= m, out of d int64");
        goto done;
    }
    for (Py_ssize_t r = 0; r < m; r++)
        if (rows[r] < 0 || rows[r] >= nrows) {
            PyErr_SetString(PyExc_ValueError, "rank_sum: row index outside the input");
            goto done;
        }
    int complement = (hi - lo) > (int)m - (hi - lo);
    need = calloc((size_t)m, 1);
    if (!need) {
        PyErr_NoMemory();
        goto done;
    }
    for (int r = 0; r < m; r++) need[r] = complement ? (r < lo || r >= hi) : (r >= lo && r < hi);
    int ncmp = build_network((int)m, need, &cmp);
    if (ncmp < 0) {
        PyErr_NoMemory();
        goto done;
    }
    threads = clamp_threads(threads);
    size_t blocks = ((size_t)d + LANES - 1) / LANES;
    if ((size_t)threads > blocks / 16) threads = blocks / 16 ? (int)(blocks / 16) : 1;
    job_t jobs[MAX_THREADS];
    for (int t = 0; t < threads; t++) {
        size_t b0 = blocks * t / threads, b1 = blocks * (t + 1) / threads;
        size_t k_hi = b1 * LANES < (size_t)d ? b1 * LANES : (size_t)d;
        jobs[t] = (job_t){(const int64_t *)xb.buf, (size_t)d, rows, (int)m, cmp, ncmp, lo, hi, complement,
                          (int64_t *)ob.buf, b0 * LANES, k_hi, 0};
    }
    run_parallel(thread_main, jobs, sizeof jobs[0], threads);
    if (any_failed(&jobs[0].fail, sizeof jobs[0], threads)) {
        PyErr_NoMemory();
        goto done;
    }
    ret = Py_None;
    Py_INCREF(ret);
done:
    free(cmp);
    free(need);
    PyBuffer_Release(&xb);
    PyBuffer_Release(&rb);
    PyBuffer_Release(&ob);
    return ret;
}

/* out[r * w + k] = (double)(x[r * d + lo + k] >> shift) for r < n, k < w = hi - lo.
 * Exact: values below 2**51 in magnitude are converted by the 1.5 * 2**52 bias (an
 * integer add and a float subtract, which vectorise), larger ones by a cast. */
typedef struct {
    const int64_t *x;
    size_t d, lo, w;
    int shift;
    double *out;
    size_t r_lo, r_hi;
} conv_t;

CLONES
static void convert_row(const int64_t *src, double *dst, size_t w, int shift) {
    const uint64_t bias_i = 0x4338000000000000ULL; /* bits of 1.5 * 2**52 */
    const double bias_d = 6755399441055744.0;
    uint64_t wide = 0;
    for (size_t k = 0; k < w; k++) {
        int64_t v = src[k] >> shift;
        wide |= ((uint64_t)v + (1ULL << 51)) >> 52; /* nonzero iff v outside [-2**51, 2**51) */
        uint64_t b = (uint64_t)v + bias_i;
        double f;
        memcpy(&f, &b, sizeof f);
        dst[k] = f - bias_d;
    }
    if (wide)
        for (size_t k = 0; k < w; k++) dst[k] = (double)(src[k] >> shift);
}

static void *conv_main(void *arg) {
    conv_t *c = (conv_t *)arg;
    for (size_t r = c->r_lo; r < c->r_hi; r++) convert_row(c->x + r * c->d + c->lo, c->out + r * c->w, c->w, c->shift);
    return NULL;
}

static PyObject *to_float64(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer xb, ob;
    Py_ssize_t n, d, lo, hi;
    int shift, threads;
    if (!PyArg_ParseTuple(args, "y*nnnniw*i", &xb, &n, &d, &lo, &hi, &shift, &ob, &threads)) return NULL;
    PyObject *ret = NULL;
    if (n < 1 || d < 1 || lo < 0 || hi > d || lo >= hi || shift < 0 || shift > 63 ||
        xb.len < n * d * (Py_ssize_t)sizeof(int64_t) || ob.len < n * (hi - lo) * (Py_ssize_t)sizeof(double)) {
        PyErr_SetString(PyExc_ValueError, "to_float64: bad shape, column range, shift or buffer sizes");
        goto done;
    }
    threads = clamp_threads(threads);
    if ((Py_ssize_t)threads > n) threads = (int)n;
    if ((size_t)n * (size_t)(hi - lo) < (1u << 16)) threads = 1;
    conv_t jobs[MAX_THREADS];
    for (int t = 0; t < threads; t++)
        jobs[t] = (conv_t){(const int64_t *)xb.buf, (size_t)d, (size_t)lo, (size_t)(hi - lo), shift,
                           (double *)ob.buf, (size_t)n * t / threads, (size_t)n * (t + 1) / threads};
    run_parallel(conv_main, jobs, sizeof jobs[0], threads);
    ret = Py_None;
    Py_INCREF(ret);
done:
    PyBuffer_Release(&xb);
    PyBuffer_Release(&ob);
    return ret;
}

/* Exact Gram matrix G = y y^T of y = x >> shift (n rows of d int64), when every product
 * and every partial sum is an integer below 2**52 in magnitude (the caller's rescale,
 * mechanism/aggregation/_intmath.py): then float64 fused multiply-adds in any order are
 * exact. Column blocks of GW are converted into an aligned float64 buffer (rows padded
 * to a multiple of 4 with zeros) and 4 x 4 row tiles (I <= J, symmetry: about half the
 * products of a full matrix product) accumulate 8-lane vectors; threads take column
 * ranges and their partial Grams are added (exact). */
#define GW 128
typedef double v8d __attribute__((vector_size(64)));

CLONES
static void gram_tiles(const double *buf, int G, v8d *acc) {
    int p = 0;
    for (int I = 0; I < G; I++)
        for (int J = I; J < G; J++, p++) {
            v8d a0 = acc[16 * p + 0], a1 = acc[16 * p + 1], a2 = acc[16 * p + 2], a3 = acc[16 * p + 3];
            v8d a4 = acc[16 * p + 4], a5 = acc[16 * p + 5], a6 = acc[16 * p + 6], a7 = acc[16 * p + 7];
            v8d a8 = acc[16 * p + 8], a9 = acc[16 * p + 9], a10 = acc[16 * p + 10], a11 = acc[16 * p + 11];
            v8d a12 = acc[16 * p + 12], a13 = acc[16 * p + 13], a14 = acc[16 * p + 14], a15 = acc[16 * p + 15];
            const double *ri = buf + (size_t)4 * I * GW, *rj = buf + (size_t)4 * J * GW;
            for (int k = 0; k < GW; k += 8) {
                v8d i0 = *(const v8d *)(ri + k), i1 = *(const v8d *)(ri + GW + k);
                v8d i2 = *(const v8d *)(ri + 2 * GW + k), i3 = *(const v8d *)(ri + 3 * GW + k);
                v8d j0 = *(const v8d *)(rj + k), j1 = *(const v8d *)(rj + GW + k);
                v8d j2 = *(const v8d *)(rj + 2 * GW + k), j3 = *(const v8d *)(rj + 3 * GW + k);
                a0 += i0 * j0; a1 += i0 * j1; a2 += i0 * j2; a3 += i0 * j3;
                a4 += i1 * j0; a5 += i1 * j1; a6 += i1 * j2; a7 += i1 * j3;
                a8 += i2 * j0; a9 += i2 * j1; a10 += i2 * j2; a11 += i2 * j3;
                a12 += i3 * j0; a13 += i3 * j1; a14 += i3 * j2; a15 += i3 * j3;
            }
            acc[16 * p + 0] = a0; acc[16 * p + 1] = a1; acc[16 * p + 2] = a2; acc[16 * p + 3] = a3;
            acc[16 * p + 4] = a4; acc[16 * p + 5] = a5; acc[16 * p + 6] = a6; acc[16 * p + 7] = a7;
            acc[16 * p + 8] = a8; acc[16 * p + 9] = a9; acc[16 * p + 10] = a10; acc[16 * p + 11] = a11;
            acc[16 * p + 12] = a12; acc[16 * p + 13] = a13; acc[16 * p + 14] = a14; acc[16 * p + 15] = a15;
        }
}

typedef struct {
    const int64_t *x;
    size_t n, d, lo, hi;
    int shift;
    v8d *acc;
    int64_t *colsum; /* NULL, or d column sums of the unshifted x (wrap-around) */
    int fail;
} gram_t;

CLONES
static void add_row(uint64_t *restrict acc, const int64_t *restrict src, size_t w) {
    for (size_t k = 0; k < w; k++) acc[k] += (uint64_t)src[k];
}

static void *gram_main(void *arg) {
    gram_t *g = (gram_t *)arg;
    int G = (int)((g->n + 3) / 4);
    double *buf = aligned_alloc(64, sizeof(double) * GW * 4 * (size_t)G);
    if (!buf) {
        g->fail = 1;
        return NULL;
    }
    memset(buf, 0, sizeof(double) * GW * 4 * (size_t)G);
    for (size_t c0 = g->lo; c0 < g->hi; c0 += GW) {
        size_t w = g->hi - c0 < GW ? g->hi - c0 : GW;
        uint64_t cs[GW];
        if (g->colsum) memset(cs, 0, sizeof cs);
        for (size_t r = 0; r < g->n; r++) {
            convert_row(g->x + r * g->d + c0, buf + r * GW, w, g->shift);
            if (g->colsum) add_row(cs, g->x + r * g->d + c0, w);
            if (w < GW) memset(buf + r * GW + w, 0, sizeof(double) * (GW - w));
        }
        if (g->colsum)
            for (size_t k = 0; k < w; k++) g->colsum[c0 + k] = (int64_t)cs[k];
        gram_tiles(buf, G, g->acc);
    }
    free(buf);
    return NULL;
}

static PyObject *gram(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer xb, ob, cb = {0};
    Py_ssize_t n, d;
    int shift, threads;
    if (!PyArg_ParseTuple(args, "y*nniw*i|w*", &xb, &n, &d, &shift, &ob, &threads, &cb)) return NULL;
    PyObject *ret = NULL;
    v8d *acc = NULL;
    if (cb.obj && cb.len < d * (Py_ssize_t)sizeof(int64_t)) {
        PyErr_SetString(PyExc_ValueError, "gram: column-sum buffer shorter than d int64");
        goto done;
    }
    if (n < 1 || n > 4096 || d < 1 || shift < 0 || shift > 63 || xb.len < n * d * (Py_ssize_t)sizeof(int64_t) ||
        ob.len < n * n * (Py_ssize_t)sizeof(int64_t)) {
        PyErr_SetString(PyExc_ValueError, "gram: bad shape, shift or buffer sizes");
        goto done;
    }
    threads = clamp_threads(threads);
    size_t blocks = ((size_t)d + GW - 1) / GW;
    if ((size_t)threads > blocks / 16) threads = blocks / 16 ? (int)(blocks / 16) : 1;
    size_t G = ((size_t)n + 3) / 4, pairs = G * (G + 1) / 2;
    acc = aligned_alloc(64, sizeof(v8d) * 16 * pairs * (size_t)threads);
    if (!acc) {
        PyErr_NoMemory();
        goto done;
    }
    memset(acc, 0, sizeof(v8d) * 16 * pairs * (size_t)threads);
    gram_t jobs[MAX_THREADS];
    for (int t = 0; t < threads; t++) {
        size_t b0 = blocks * t / threads, b1 = blocks * (t + 1) / threads;
        jobs[t] = (gram_t){(const int64_t *)xb.buf, (size_t)n, (size_t)d, b0 * GW,
                           b1 * GW < (size_t)d ? b1 * GW : (size_t)d, shift, acc + 16 * pairs * (size_t)t,
                           cb.obj ? (int64_t *)cb.buf : NULL, 0};
    }
    run_parallel(gram_main, jobs, sizeof jobs[0], threads);
    if (any_failed(&jobs[0].fail, sizeof jobs[0], threads)) {
        PyErr_NoMemory();
        goto done;
    }
    int64_t *out = (int64_t *)ob.buf;
    size_t p = 0;
    for (size_t I = 0; I < G; I++)
        for (size_t J = I; J < G; J++, p++)
            for (size_t r = 0; r < 4; r++)
                for (size_t c = 0; c < 4; c++) {
                    size_t i = 4 * I + r, j = 4 * J + c;
                    if (i >= (size_t)n || j >= (size_t)n) continue;
                    double s = 0;
                    for (int t = 0; t < threads; t++) {
                        v8d v = acc[16 * pairs * (size_t)t + 16 * p + 4 * r + c];
                        for (int l = 0; l < 8; l++) s += v[l];
                    }
                    out[i * (size_t)n + j] = out[j * (size_t)n + i] = (int64_t)s;
                }
    ret = Py_None;
    Py_INCREF(ret);
done:
    free(acc);
    PyBuffer_Release(&xb);
    PyBuffer_Release(&ob);
    if (cb.obj) PyBuffer_Release(&cb);
    return ret;
}

/* Smallest and largest of count int64 values (the validation pass of every rule). */
CLONES
static void minmax_range(const int64_t *restrict x, size_t count, int64_t *lo_out, int64_t *hi_out) {
    int64_t lo[8], hi[8];
    for (int l = 0; l < 8; l++) lo[l] = hi[l] = x[0];
    size_t k = 0;
    for (; k + 8 <= count; k += 8)
        for (int l = 0; l < 8; l++) {
            int64_t v = x[k + l];
            lo[l] = v < lo[l] ? v : lo[l];
            hi[l] = v > hi[l] ? v : hi[l];
        }
    for (; k < count; k++) {
        lo[0] = x[k] < lo[0] ? x[k] : lo[0];
        hi[0] = x[k] > hi[0] ? x[k] : hi[0];
    }
    int64_t a = lo[0], b = hi[0];
    for (int l = 1; l < 8; l++) {
        a = lo[l] < a ? lo[l] : a;
        b = hi[l] > b ? hi[l] : b;
    }
    *lo_out = a;
    *hi_out = b;
}

typedef struct {
    const int64_t *x;
    size_t count;
    int64_t lo, hi;
} mm_t;

static void *mm_main(void *arg) {
    mm_t *m = (mm_t *)arg;
    minmax_range(m->x, m->count, &m->lo, &m->hi);
    return NULL;
}

static PyObject *minmax(PyObject *self, PyObject *args) {
    (void)self;
    Py_buffer xb;
    int threads;
    if (!PyArg_ParseTuple(args, "y*i", &xb, &threads)) return NULL;
    size_t count = (size_t)xb.len / sizeof(int64_t);
    if (count == 0) {
        PyBuffer_Release(&xb);
        PyErr_SetString(PyExc_ValueError, "minmax: empty buffer");
        return NULL;
    }
    threads = clamp_threads(threads);
    if ((size_t)threads > count / (1 << 16)) threads = count / (1 << 16) ? (int)(count / (1 << 16)) : 1;
    mm_t jobs[MAX_THREADS];
    for (int t = 0; t < threads; t++) {
        size_t a = count * t / threads, b = count * (t + 1) / threads;
        jobs[t] = (mm_t){(const int64_t *)xb.buf + a, b - a, 0, 0};
    }
    run_parallel(mm_main, jobs, sizeof jobs[0], threads);
    int64_t lo = jobs[0].lo, hi = jobs[0].hi;
    for (int t = 1; t < threads; t++) {
        lo = jobs[t].lo < lo ? jobs[t].lo : lo;
        hi = jobs[t].hi > hi ? jobs[t].hi : hi;
    }
    PyBuffer_Release(&xb);
    return Py_BuildValue("(LL)", (long long)lo, (long long)hi);
}

static PyMethodDef methods[] = {
    {"minmax", minmax, METH_VARARGS, "minmax(x, threads) -> (min, max) of an int64 buffer."},
    {"gram", gram, METH_VARARGS,
     "gram(x, n, d, shift, out, threads[, colsum]): out (n, n) int64 = (x >> shift) (x >> shift)^T, exact\n"
     "when every partial sum is below 2**52 in magnitude; colsum (d int64) = the column sums of x."},
    {"to_float64", to_float64, METH_VARARGS,
     "to_float64(x, n, d, lo, hi, shift, out, threads): out (n, hi - lo) float64 = x[:, lo:hi] >> shift (exact)."},
    {"rank_sum", rank_sum, METH_VARARGS,
     "rank_sum(x, d, rows, lo, hi, out, threads): out[k] = sum of the values of rank lo..hi-1 among\n"
     "x[rows[r]*d + k] (int64 buffers; wrap-around sums)."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_select", "Per-coordinate order-statistic sums.", -1,
                                    methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__select(void) { return PyModule_Create(&module); }
