/* Shared by the C kernels of mechanism/_native (sha256.c, select.c): the thread cap, the
 * SIMD function clones, and the fan-out of a job array over POSIX threads. */
#ifndef ORFL_NATIVE_COMMON_H
#define ORFL_NATIVE_COMMON_H

#include <pthread.h>
#include <stddef.h>

#define MAX_THREADS 64

/* One function body compiled for AVX-512F, AVX2 and baseline x86-64, picked at load time
 * (GCC's target_clones); a no-op elsewhere. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define CLONES
#endif

/* The requested thread count clamped to [1, MAX_THREADS]. */
static inline int clamp_threads(int threads) {
    if (threads < 1) return 1;
    return threads > MAX_THREADS ? MAX_THREADS : threads;
}

/* fn on each of the n (<= MAX_THREADS) jobs of the array at jobs (job t at jobs + t * size),
 * with the GIL released (fn touches no Python object): jobs 1..n-1 on new threads, job 0
 * and any job whose thread failed to start on the calling thread; returns when every job
 * is done. Include after <Python.h>. */
static inline void run_parallel(void *(*fn)(void *), void *jobs, size_t size, int n) {
    pthread_t tids[MAX_THREADS];
    char *base = (char *)jobs;
    Py_BEGIN_ALLOW_THREADS
    int started = 0;
    for (int t = 1; t < n; t++) {
        if (pthread_create(&tids[t], NULL, fn, base + (size_t)t * size) != 0) break;
        started = t;
    }
    fn(base);
    for (int t = started + 1; t < n; t++) fn(base + (size_t)t * size); /* threads that failed to start */
    for (int t = 1; t <= started; t++) pthread_join(tids[t], NULL);
    Py_END_ALLOW_THREADS
}

/* 1 iff any of n jobs set its int flag (first: the flag of job 0; stride: the job size). */
static inline int any_failed(const int *first, size_t stride, int n) {
    int fail = 0;
    for (int t = 0; t < n; t++) fail |= *(const int *)((const char *)first + (size_t)t * stride);
    return fail;
}

#endif
