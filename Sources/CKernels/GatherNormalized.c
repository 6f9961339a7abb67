#include "CKernels.h"

// Bit-identical results on every path depend on each element being `(x - o) * m`, rounded twice.
#pragma STDC FP_CONTRACT OFF

static inline __attribute__((always_inline)) void prefetch_row(const uint8_t *row, long width) {
    for (long f = 0; f < width; f += 64) __builtin_prefetch(row + f, 0, 0);
}

static inline __attribute__((always_inline)) void gather_rows(
    const uint8_t *examples, const long *indices, long rows, long width,
    const float *restrict offset, const float *restrict multiplier, float *restrict features) {
    for (long r = 0; r < rows; r++) {
        if (r + 1 < rows) prefetch_row(examples + indices[r + 1] * width, width);
        const uint8_t *restrict source = examples + indices[r] * width;
        float *restrict target = features + r * width;
        for (long f = 0; f < width; f++) target[f] = ((float)source[f] - offset[f]) * multiplier[f];
    }
}

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512bw,avx512vl"))) static void gather_avx512(
    const uint8_t *examples, const long *indices, long rows, long width,
    const float *offset, const float *multiplier, float *features) {
    gather_rows(examples, indices, rows, width, offset, multiplier, features);
}

__attribute__((target("avx2"))) static void gather_avx2(
    const uint8_t *examples, const long *indices, long rows, long width,
    const float *offset, const float *multiplier, float *features) {
    gather_rows(examples, indices, rows, width, offset, multiplier, features);
}
#endif

void labbook_gather_normalized_bytes(const uint8_t *examples, const long *indices, long rows, long width,
                                     const float *offset, const float *multiplier, float *features) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl")) {
        return gather_avx512(examples, indices, rows, width, offset, multiplier, features);
    }
    if (__builtin_cpu_supports("avx2")) {
        return gather_avx2(examples, indices, rows, width, offset, multiplier, features);
    }
#endif
    gather_rows(examples, indices, rows, width, offset, multiplier, features);
}
