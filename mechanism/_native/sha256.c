/* Batch SHA-256 (FIPS 180-4) for the Merkle commitments of mechanism/commitment.py.
 *
 * One call hashes `count` records laid out contiguously in a buffer, each preceded by an
 * optional one-byte tag and an optional 32-byte big-endian index (start + i): exactly the
 * leaf, node and column-leaf preimages of the module doc of mechanism/commitment.py.
 * The GIL is released and the records are split over threads. The compression function
 * uses the x86 SHA extensions when cpuid reports them and a portable scalar version
 * otherwise; both give the same bytes (FIPS 180-4, section 6.2).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include "common.h"
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#define ORFL_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

static const uint32_t K256[64] __attribute__((aligned(16))) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static const uint32_t IV256[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                  0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

typedef void (*compress_fn)(uint32_t st[8], const uint8_t *data, size_t blocks);

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

static void compress_scalar(uint32_t st[8], const uint8_t *p, size_t blocks) {
    uint32_t w[64];
    while (blocks--) {
        for (int i = 0; i < 16; i++)
            w[i] = ((uint32_t)p[4 * i] << 24) | ((uint32_t)p[4 * i + 1] << 16) |
                   ((uint32_t)p[4 * i + 2] << 8) | (uint32_t)p[4 * i + 3];
        for (int i = 16; i < 64; i++) {
            uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
            uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16] + s0 + w[i - 7] + s1;
        }
        uint32_t a = st[0], b = st[1], c = st[2], d = st[3], e = st[4], f = st[5], g = st[6], h = st[7];
        for (int i = 0; i < 64; i++) {
            uint32_t S1 = ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25);
            uint32_t ch = (e & f) ^ (~e & g);
            uint32_t t1 = h + S1 + ch + K256[i] + w[i];
            uint32_t S0 = ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22);
            uint32_t mj = (a & b) ^ (a & c) ^ (b & c);
            uint32_t t2 = S0 + mj;
            h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
        }
        st[0] += a; st[1] += b; st[2] += c; st[3] += d; st[4] += e; st[5] += f; st[6] += g; st[7] += h;
        p += 64;
    }
}

#ifdef ORFL_X86
/* Four rounds: quad q of the message schedule in Mc; Mn (quad q+1) finished with msg2 when
 * 3 <= q <= 14, Mp (quad q-1) advanced with msg1 when 1 <= q <= 12 (Intel SHA extensions
 * reference flow). */
#define QUAD(q, Mc, Mp, Mn)                                                        \
    do {                                                                           \
        MSG = _mm_add_epi32(Mc, _mm_load_si128((const __m128i *)&K256[4 * (q)]));  \
        S1 = _mm_sha256rnds2_epu32(S1, S0, MSG);                                   \
        if ((q) >= 3 && (q) <= 14) {                                               \
            TMP = _mm_alignr_epi8(Mc, Mp, 4);                                      \
            Mn = _mm_add_epi32(Mn, TMP);                                           \
            Mn = _mm_sha256msg2_epu32(Mn, Mc);                                     \
        }                                                                          \
        MSG = _mm_shuffle_epi32(MSG, 0x0E);                                        \
        S0 = _mm_sha256rnds2_epu32(S0, S1, MSG);                                   \
        if ((q) >= 1 && (q) <= 12) Mp = _mm_sha256msg1_epu32(Mp, Mc);              \
    } while (0)

__attribute__((target("sha,sse4.1,ssse3")))
static void compress_shani(uint32_t st[8], const uint8_t *p, size_t blocks) {
    const __m128i MASK = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i S0, S1, MSG, TMP, M0, M1, M2, M3, ABEF, CDGH;
    TMP = _mm_loadu_si128((const __m128i *)&st[0]);
    S1 = _mm_loadu_si128((const __m128i *)&st[4]);
    TMP = _mm_shuffle_epi32(TMP, 0xB1);
    S1 = _mm_shuffle_epi32(S1, 0x1B);
    S0 = _mm_alignr_epi8(TMP, S1, 8);
    S1 = _mm_blend_epi16(S1, TMP, 0xF0);
    while (blocks--) {
        ABEF = S0;
        CDGH = S1;
        M0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 0)), MASK);
        M1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), MASK);
        M2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 32)), MASK);
        M3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 48)), MASK);
        QUAD(0, M0, M3, M1);
        QUAD(1, M1, M0, M2);
        QUAD(2, M2, M1, M3);
        QUAD(3, M3, M2, M0);
        QUAD(4, M0, M3, M1);
        QUAD(5, M1, M0, M2);
        QUAD(6, M2, M1, M3);
        QUAD(7, M3, M2, M0);
        QUAD(8, M0, M3, M1);
        QUAD(9, M1, M0, M2);
        QUAD(10, M2, M1, M3);
        QUAD(11, M3, M2, M0);
        QUAD(12, M0, M3, M1);
        QUAD(13, M1, M0, M2);
        QUAD(14, M2, M1, M3);
        QUAD(15, M3, M2, M0);
        S0 = _mm_add_epi32(S0, ABEF);
        S1 = _mm_add_epi32(S1, CDGH);
        p += 64;
    }
    TMP = _mm_shuffle_epi32(S0, 0x1B);
    S1 = _mm_shuffle_epi32(S1, 0xB1);
    S0 = _mm_blend_epi16(TMP, S1, 0xF0);
    S1 = _mm_alignr_epi8(S1, TMP, 8);
    _mm_storeu_si128((__m128i *)&st[0], S0);
    _mm_storeu_si128((__m128i *)&st[4], S1);
}

/* Two independent messages of the same block count, interleaved: sha256rnds2 has a long
 * latency, so a second dependency chain nearly doubles the throughput on short records. */
#define QUAD2(q, Mc, Mp, Mn, Nc, Np, Nn)                                           \
    do {                                                                           \
        __m128i k_ = _mm_load_si128((const __m128i *)&K256[4 * (q)]);              \
        MSG = _mm_add_epi32(Mc, k_);                                               \
        MSGB = _mm_add_epi32(Nc, k_);                                              \
        S1 = _mm_sha256rnds2_epu32(S1, S0, MSG);                                   \
        T1 = _mm_sha256rnds2_epu32(T1, T0, MSGB);                                  \
        if ((q) >= 3 && (q) <= 14) {                                               \
            Mn = _mm_sha256msg2_epu32(_mm_add_epi32(Mn, _mm_alignr_epi8(Mc, Mp, 4)), Mc); \
            Nn = _mm_sha256msg2_epu32(_mm_add_epi32(Nn, _mm_alignr_epi8(Nc, Np, 4)), Nc); \
        }                                                                          \
        MSG = _mm_shuffle_epi32(MSG, 0x0E);                                        \
        MSGB = _mm_shuffle_epi32(MSGB, 0x0E);                                      \
        S0 = _mm_sha256rnds2_epu32(S0, S1, MSG);                                   \
        T0 = _mm_sha256rnds2_epu32(T0, T1, MSGB);                                  \
        if ((q) >= 1 && (q) <= 12) {                                               \
            Mp = _mm_sha256msg1_epu32(Mp, Mc);                                     \
            Np = _mm_sha256msg1_epu32(Np, Nc);                                     \
        }                                                                          \
    } while (0)

__attribute__((target("sha,sse4.1,ssse3")))
static void compress_shani_x2(uint32_t sa[8], uint32_t sb[8], const uint8_t *p, const uint8_t *r, size_t blocks) {
    const __m128i MASK = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    __m128i S0, S1, T0, T1, MSG, MSGB, TMP, M0, M1, M2, M3, N0, N1, N2, N3, ABEF, CDGH, ABEF2, CDGH2;
    TMP = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&sa[0]), 0xB1);
    S1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&sa[4]), 0x1B);
    S0 = _mm_alignr_epi8(TMP, S1, 8);
    S1 = _mm_blend_epi16(S1, TMP, 0xF0);
    TMP = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&sb[0]), 0xB1);
    T1 = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&sb[4]), 0x1B);
    T0 = _mm_alignr_epi8(TMP, T1, 8);
    T1 = _mm_blend_epi16(T1, TMP, 0xF0);
    while (blocks--) {
        ABEF = S0; CDGH = S1; ABEF2 = T0; CDGH2 = T1;
        M0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 0)), MASK);
        M1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 16)), MASK);
        M2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 32)), MASK);
        M3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(p + 48)), MASK);
        N0 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(r + 0)), MASK);
        N1 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(r + 16)), MASK);
        N2 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(r + 32)), MASK);
        N3 = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(r + 48)), MASK);
        QUAD2(0, M0, M3, M1, N0, N3, N1);
        QUAD2(1, M1, M0, M2, N1, N0, N2);
        QUAD2(2, M2, M1, M3, N2, N1, N3);
        QUAD2(3, M3, M2, M0, N3, N2, N0);
        QUAD2(4, M0, M3, M1, N0, N3, N1);
        QUAD2(5, M1, M0, M2, N1, N0, N2);
        QUAD2(6, M2, M1, M3, N2, N1, N3);
        QUAD2(7, M3, M2, M0, N3, N2, N0);
        QUAD2(8, M0, M3, M1, N0, N3, N1);
        QUAD2(9, M1, M0, M2, N1, N0, N2);
        QUAD2(10, M2, M1, M3, N2, N1, N3);
        QUAD2(11, M3, M2, M0, N3, N2, N0);
        QUAD2(12, M0, M3, M1, N0, N3, N1);
        QUAD2(13, M1, M0, M2, N1, N0, N2);
        QUAD2(14, M2, M1, M3, N2, N1, N3);
        QUAD2(15, M3, M2, M0, N3, N2, N0);
        S0 = _mm_add_epi32(S0, ABEF); S1 = _mm_add_epi32(S1, CDGH);
        T0 = _mm_add_epi32(T0, ABEF2); T1 = _mm_add_epi32(T1, CDGH2);
        p += 64;
        r += 64;
    }
    TMP = _mm_shuffle_epi32(S0, 0x1B);
    S1 = _mm_shuffle_epi32(S1, 0xB1);
    _mm_storeu_si128((__m128i *)&sa[0], _mm_blend_epi16(TMP, S1, 0xF0));
    _mm_storeu_si128((__m128i *)&sa[4], _mm_alignr_epi8(S1, TMP, 8));
    TMP = _mm_shuffle_epi32(T0, 0x1B);
    T1 = _mm_shuffle_epi32(T1, 0xB1);
    _mm_storeu_si128((__m128i *)&sb[0], _mm_blend_epi16(TMP, T1, 0xF0));
    _mm_storeu_si128((__m128i *)&sb[4], _mm_alignr_epi8(T1, TMP, 8));
}

static int cpu_has_shani(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int sse41 = (c >> 19) & 1, ssse3 = (c >> 9) & 1;
    if (__get_cpuid_max(0, 0) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    return sse41 && ssse3 && ((b >> 29) & 1);
}
#endif

static compress_fn COMPRESS = compress_scalar;
static const char *BACKEND = "scalar";

typedef void (*compress2_fn)(uint32_t sa[8], uint32_t sb[8], const uint8_t *p, const uint8_t *r, size_t blocks);
static compress2_fn COMPRESS2 = NULL;

/* Records up to this many bytes are laid out padded in a local buffer and hashed in pairs. */
#define PAIR_MAX 2048

/* The padded message pre || data (FIPS 180-4, 5.1.1) in buf; returns its block count. */
static size_t pad_message(uint8_t *buf, const uint8_t *pre, size_t plen, const uint8_t *data, size_t dlen) {
    size_t len = plen + dlen, blocks = (len + 9 + 63) / 64;
    uint64_t bits = (uint64_t)len * 8;
    memcpy(buf, pre, plen);
    memcpy(buf + plen, data, dlen);
    buf[len] = 0x80;
    memset(buf + len + 1, 0, 64 * blocks - len - 1);
    for (int i = 0; i < 8; i++) buf[64 * blocks - 8 + i] = (uint8_t)(bits >> (56 - 8 * i));
    return blocks;
}

static void store_digest(const uint32_t st[8], uint8_t out[32]) {
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(st[i] >> 24);
        out[4 * i + 1] = (uint8_t)(st[i] >> 16);
        out[4 * i + 2] = (uint8_t)(st[i] >> 8);
        out[4 * i + 3] = (uint8_t)st[i];
    }
}

/* sha256(pre[0:plen] || data[0:dlen]) with plen < 64. */
static void hash_one(compress_fn f, const uint8_t *pre, size_t plen, const uint8_t *data, size_t dlen,
                     uint8_t out[32]) {
    uint32_t st[8];
    uint8_t buf[128];
    memcpy(st, IV256, sizeof st);
    uint64_t bits = (uint64_t)(plen + dlen) * 8;
    memcpy(buf, pre, plen);
    size_t take = dlen < 64 - plen ? dlen : 64 - plen;
    memcpy(buf + plen, data, take);
    size_t fill = plen + take, off = take;
    if (fill == 64) {
        f(st, buf, 1);
        size_t nb = (dlen - off) / 64;
        if (nb) f(st, data + off, nb);
        off += nb * 64;
        fill = dlen - off;
        memcpy(buf, data + off, fill);
    }
    buf[fill++] = 0x80;
    if (fill > 56) {
        memset(buf + fill, 0, 64 - fill);
        f(st, buf, 1);
        fill = 0;
    }
    memset(buf + fill, 0, 56 - fill);
    for (int i = 0; i < 8; i++) buf[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
    f(st, buf, 1);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(st[i] >> 24);
        out[4 * i + 1] = (uint8_t)(st[i] >> 16);
        out[4 * i + 2] = (uint8_t)(st[i] >> 8);
        out[4 * i + 3] = (uint8_t)st[i];
    }
}

typedef struct {
    compress_fn f;
    compress2_fn f2;
    const uint8_t *data;
    size_t record_len;
    size_t lo, hi; /* record range */
    int tag;       /* -1: none */
    int indexed;
    unsigned long long start;
    unsigned long long period; /* 0: index start + i; else start + i % period */
    uint8_t *out;
} job_t;

static void run_job(const job_t *j) {
    uint8_t pre[33];
    size_t plen = 0;
    if (j->tag >= 0) pre[plen++] = (uint8_t)j->tag;
    size_t ipos = plen;
    if (j->indexed) {
        memset(pre + plen, 0, 32);
        plen += 32;
    }
    size_t i = j->lo;
    if (j->f2 && j->record_len + 33 <= PAIR_MAX) {
        uint8_t ba[PAIR_MAX + 128] __attribute__((aligned(64)));
        uint8_t bb[PAIR_MAX + 128] __attribute__((aligned(64)));
        for (; i + 1 < j->hi; i += 2) {
            if (j->indexed) {
                unsigned long long v = j->start + (j->period ? i % j->period : i);
                for (int b = 0; b < 8; b++) pre[ipos + 24 + b] = (uint8_t)(v >> (56 - 8 * b));
            }
            size_t nb = pad_message(ba, pre, plen, j->data + i * j->record_len, j->record_len);
            if (j->indexed) {
                unsigned long long v = j->start + (j->period ? (i + 1) % j->period : i + 1);
                for (int b = 0; b < 8; b++) pre[ipos + 24 + b] = (uint8_t)(v >> (56 - 8 * b));
            }
            pad_message(bb, pre, plen, j->data + (i + 1) * j->record_len, j->record_len);
            uint32_t sa[8], sb[8];
            memcpy(sa, IV256, sizeof sa);
            memcpy(sb, IV256, sizeof sb);
            j->f2(sa, sb, ba, bb, nb);
            store_digest(sa, j->out + 32 * i);
            store_digest(sb, j->out + 32 * (i + 1));
        }
    }
    for (; i < j->hi; i++) {
        if (j->indexed) {
            unsigned long long v = j->start + (j->period ? i % j->period : i);
            for (int b = 0; b < 8; b++) pre[ipos + 24 + b] = (uint8_t)(v >> (56 - 8 * b));
        }
        hash_one(j->f, pre, plen, j->data + i * j->record_len, j->record_len, j->out + 32 * i);
    }
}

static void *thread_main(void *arg) {
    run_job((const job_t *)arg);
    return NULL;
}

/* Column records: record i is src[0][w*i : w*(i+1)] || ... || src[n-1][w*i : w*(i+1)]. */
typedef struct {
    compress_fn f;
    const uint8_t *const *src;
    size_t nsrc, width;
    size_t lo, hi;
    int tag;
    unsigned long long start;
    uint8_t *out;
    int fail;
} gather_t;

static void run_gather(gather_t *g) {
    size_t len = 33 + g->nsrc * g->width;
    size_t cap = (len + 9 + 63) / 64 * 64;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        g->fail = 1;
        return;
    }
    size_t blocks = cap / 64;
    uint64_t bits = (uint64_t)len * 8;
    buf[0] = (uint8_t)g->tag;
    memset(buf + 1, 0, 32);
    for (size_t i = g->lo; i < g->hi; i++) {
        unsigned long long v = g->start + i;
        for (int b = 0; b < 8; b++) buf[25 + b] = (uint8_t)(v >> (56 - 8 * b));
        uint8_t *p = buf + 33;
        for (size_t t = 0; t < g->nsrc; t++, p += g->width) memcpy(p, g->src[t] + i * g->width, g->width);
        buf[len] = 0x80;
        memset(buf + len + 1, 0, cap - len - 1);
        for (int b = 0; b < 8; b++) buf[cap - 8 + b] = (uint8_t)(bits >> (56 - 8 * b));
        uint32_t st[8];
        memcpy(st, IV256, sizeof st);
        g->f(st, buf, blocks);
        store_digest(st, g->out + 32 * i);
    }
    free(buf);
}

static void *gather_main(void *arg) {
    run_gather((gather_t *)arg);
    return NULL;
}

/* Below this many input bytes per thread, threads cost more than they save. */
#define MIN_BYTES_PER_THREAD (1 << 16)

static PyObject *hash_records(PyObject *self, PyObject *args, PyObject *kw) {
    (void)self;
    static char *kwlist[] = {"data", "record_len", "count", "tag", "indexed", "start", "threads", "period", NULL};
    Py_buffer view;
    Py_ssize_t record_len, count;
    int tag = -1, indexed = 0, threads = 1;
    unsigned long long start = 0, period = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "y*nn|ipKiK", kwlist, &view, &record_len, &count, &tag, &indexed,
                                     &start, &threads, &period))
        return NULL;
    if (record_len < 0 || count < 0 || tag < -1 || tag > 255 || (Py_ssize_t)(record_len * count) > view.len ||
        (record_len && count > view.len / (record_len ? record_len : 1))) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "hash_records: buffer shorter than count * record_len, or bad tag");
        return NULL;
    }
    PyObject *res = PyBytes_FromStringAndSize(NULL, 32 * count);
    if (!res) {
        PyBuffer_Release(&view);
        return NULL;
    }
    uint8_t *out = (uint8_t *)PyBytes_AS_STRING(res);
    size_t total = (size_t)record_len * (size_t)count;
    threads = clamp_threads(threads);
    size_t by_size = total / MIN_BYTES_PER_THREAD;
    if ((size_t)threads > by_size) threads = by_size ? (int)by_size : 1;
    if ((Py_ssize_t)threads > count) threads = count ? (int)count : 1;
    job_t jobs[MAX_THREADS];
    for (int t = 0; t < threads; t++) {
        jobs[t] = (job_t){COMPRESS, COMPRESS2, (const uint8_t *)view.buf, (size_t)record_len,
                          (size_t)count * t / threads, (size_t)count * (t + 1) / threads,
                          tag, indexed, start, period, out};
    }
    run_parallel(thread_main, jobs, sizeof jobs[0], threads);
    PyBuffer_Release(&view);
    return res;
}

static PyObject *hash_columns(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *seq;
    Py_ssize_t width, count;
    int tag, threads;
    unsigned long long start;
    if (!PyArg_ParseTuple(args, "OnniKi", &seq, &width, &count, &tag, &start, &threads)) return NULL;
    PyObject *fast = PySequence_Fast(seq, "hash_columns: sources must be a sequence of buffers");
    if (!fast) return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    if (n < 1 || width < 1 || count < 0 || tag < 0 || tag > 255) {
        Py_DECREF(fast);
        PyErr_SetString(PyExc_ValueError, "hash_columns: need >= 1 source, width >= 1, count >= 0, tag in [0, 255]");
        return NULL;
    }
    Py_buffer *views = PyMem_Calloc((size_t)n, sizeof(Py_buffer));
    const uint8_t **src = PyMem_Calloc((size_t)n, sizeof(uint8_t *));
    PyObject *res = NULL;
    Py_ssize_t got = 0;
    if (!views || !src) {
        PyErr_NoMemory();
        goto done;
    }
    for (; got < n; got++) {
        if (PyObject_GetBuffer(PySequence_Fast_GET_ITEM(fast, got), &views[got], PyBUF_SIMPLE) < 0) goto done;
        if (views[got].len < width * count) {
            got++;
            PyErr_SetString(PyExc_ValueError, "hash_columns: a source is shorter than count * width");
            goto done;
        }
        src[got] = (const uint8_t *)views[got].buf;
    }
    res = PyBytes_FromStringAndSize(NULL, 32 * count);
    if (!res) goto done;
    threads = clamp_threads(threads);
    size_t total = (size_t)n * (size_t)width * (size_t)count, by_size = total / MIN_BYTES_PER_THREAD;
    if ((size_t)threads > by_size) threads = by_size ? (int)by_size : 1;
    if ((Py_ssize_t)threads > count) threads = count ? (int)count : 1;
    gather_t jobs[MAX_THREADS];
    for (int t = 0; t < threads; t++)
        jobs[t] = (gather_t){COMPRESS, src, (size_t)n, (size_t)width, (size_t)count * t / threads,
                             (size_t)count * (t + 1) / threads, tag, start, (uint8_t *)PyBytes_AS_STRING(res), 0};
    run_parallel(gather_main, jobs, sizeof jobs[0], threads);
    if (any_failed(&jobs[0].fail, sizeof jobs[0], threads)) {
        Py_CLEAR(res);
        PyErr_NoMemory();
    }
done:
    for (Py_ssize_t t = 0; t < got; t++)
        if (views[t].obj) PyBuffer_Release(&views[t]);
    PyMem_Free(views);
    PyMem_Free(src);
    Py_DECREF(fast);
    return res;
}

static PyObject *use_backend(PyObject *self, PyObject *arg) {
    (void)self;
    const char *name = PyUnicode_AsUTF8(arg);
    if (!name) return NULL;
    if (strcmp(name, "scalar") == 0) {
        COMPRESS = compress_scalar;
        COMPRESS2 = NULL;
        BACKEND = "scalar";
    }
#ifdef ORFL_X86
    else if (strcmp(name, "shani") == 0 && cpu_has_shani()) {
        COMPRESS = compress_shani;
        COMPRESS2 = compress_shani_x2;
        BACKEND = "shani";
    }
#endif
    else {
        PyErr_Format(PyExc_ValueError, "backend %s is not available on this CPU", name);
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *backend(PyObject *self, PyObject *noarg) {
    (void)self;
    (void)noarg;
    return PyUnicode_FromString(BACKEND);
}

static PyMethodDef methods[] = {
    {"hash_records", (PyCFunction)(void (*)(void))hash_records, METH_VARARGS | METH_KEYWORDS,
     "hash_records(data, record_len, count, tag=-1, indexed=False, start=0, threads=1, period=0) -> bytes\n"
     "SHA-256 of [tag] || [uint256_be(start + i)] || data[i*record_len:(i+1)*record_len] for i < count,\n"
     "concatenated (32 bytes each); with period > 0 the index is start + i % period."},
    {"hash_columns", hash_columns, METH_VARARGS,
     "hash_columns(sources, width, count, tag, start, threads) -> bytes\n"
     "SHA-256 of tag || uint256_be(start + i) || sources[0][i*width:(i+1)*width] || ... for i < count."},
    {"use_backend", use_backend, METH_O, "use_backend('shani' | 'scalar'): select the compression function."},
    {"backend", backend, METH_NOARGS, "The compression function in use."},
    {NULL, NULL, 0, NULL}};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_sha256", "Batch SHA-256 for Merkle commitments.", -1,
                                    methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__sha256(void) {
#ifdef ORFL_X86
    if (cpu_has_shani()) {
        COMPRESS = compress_shani;
        COMPRESS2 = compress_shani_x2;
        BACKEND = "shani";
    }
#endif
    return PyModule_Create(&module);
}
