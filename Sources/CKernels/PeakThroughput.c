#include "CKernels.h"
#include <time.h>

static double seconds_now(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return (double)time.tv_sec + (double)time.tv_nsec * 1e-9;
}

#if defined(__x86_64__)
// The loops are written in assembly so that what runs is the same at every optimization level
// (tests use debug builds) and no compiler can shorten it. Twelve independent accumulators cover
// the latency of two FMA pipes (4 cycles each); `x = x * scale + shift` with scale just below 1 and
// a small shift keeps every value normal, since denormals would slow some CPUs down.
static const float one = 1.0f, scale = 0.9999999f, shift = 1e-7f;

#define FMA12(OP, R)                                                                              \
    OP " %%" R "13, %%" R "12, %%" R "0\n\t" OP " %%" R "13, %%" R "12, %%" R "1\n\t"                \
    OP " %%" R "13, %%" R "12, %%" R "2\n\t" OP " %%" R "13, %%" R "12, %%" R "3\n\t"                \
    OP " %%" R "13, %%" R "12, %%" R "4\n\t" OP " %%" R "13, %%" R "12, %%" R "5\n\t"                \
    OP " %%" R "13, %%" R "12, %%" R "6\n\t" OP " %%" R "13, %%" R "12, %%" R "7\n\t"                \
    OP " %%" R "13, %%" R "12, %%" R "8\n\t" OP " %%" R "13, %%" R "12, %%" R "9\n\t"                \
    OP " %%" R "13, %%" R "12, %%" R "10\n\t" OP " %%" R "13, %%" R "12, %%" R "11\n\t"

#define SETUP(BROADCAST, R)                                                                       \
    BROADCAST " %[one], %%" R "0\n\t" BROADCAST " %[one], %%" R "1\n\t"                            \
    BROADCAST " %[one], %%" R "2\n\t" BROADCAST " %[one], %%" R "3\n\t"                            \
    BROADCAST " %[one], %%" R "4\n\t" BROADCAST " %[one], %%" R "5\n\t"                            \
    BROADCAST " %[one], %%" R "6\n\t" BROADCAST " %[one], %%" R "7\n\t"                            \
    BROADCAST " %[one], %%" R "8\n\t" BROADCAST " %[one], %%" R "9\n\t"                            \
    BROADCAST " %[one], %%" R "10\n\t" BROADCAST " %[one], %%" R "11\n\t"                          \
    BROADCAST " %[scale], %%" R "12\n\t" BROADCAST " %[shift], %%" R "13\n\t"

#define CLOBBERS "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9",  \
                 "xmm10", "xmm11", "xmm12", "xmm13", "cc"

/// Runs `batches` batches of 8 × 12 vector multiply-adds on registers `R`0-13 (zmm or ymm).
#define FMA_LOOP(R)                                                                               \
    __asm__ volatile(                                                                             \
        SETUP("vbroadcastss", R)                                                                  \
        "1:\n\t"                                                                                  \
        FMA12("vfmadd213ps", R) FMA12("vfmadd213ps", R) FMA12("vfmadd213ps", R) FMA12("vfmadd213ps", R) \
        FMA12("vfmadd213ps", R) FMA12("vfmadd213ps", R) FMA12("vfmadd213ps", R) FMA12("vfmadd213ps", R) \
        "dec %[batches]\n\t"                                                                      \
        "jnz 1b\n\t"                                                                              \
        "vzeroupper\n\t"                                                                          \
        : [batches] "+r"(batches)                                                                 \
        : [one] "m"(one), [scale] "m"(scale), [shift] "m"(shift)                                  \
        : CLOBBERS)

static void fma_avx512(long batches) { FMA_LOOP("zmm"); }

static void fma_avx2(long batches) { FMA_LOOP("ymm"); }

/// Multiplies (by xmm12) and adds (xmm13) as separate instructions, for CPUs without FMA.
#define MULADD12                                                                                  \
    "mulps %%xmm12, %%xmm0\n\t addps %%xmm13, %%xmm0\n\t mulps %%xmm12, %%xmm1\n\t addps %%xmm13, %%xmm1\n\t" \
    "mulps %%xmm12, %%xmm2\n\t addps %%xmm13, %%xmm2\n\t mulps %%xmm12, %%xmm3\n\t addps %%xmm13, %%xmm3\n\t" \
    "mulps %%xmm12, %%xmm4\n\t addps %%xmm13, %%xmm4\n\t mulps %%xmm12, %%xmm5\n\t addps %%xmm13, %%xmm5\n\t" \
    "mulps %%xmm12, %%xmm6\n\t addps %%xmm13, %%xmm6\n\t mulps %%xmm12, %%xmm7\n\t addps %%xmm13, %%xmm7\n\t" \
    "mulps %%xmm12, %%xmm8\n\t addps %%xmm13, %%xmm8\n\t mulps %%xmm12, %%xmm9\n\t addps %%xmm13, %%xmm9\n\t" \
    "mulps %%xmm12, %%xmm10\n\t addps %%xmm13, %%xmm10\n\t mulps %%xmm12, %%xmm11\n\t addps %%xmm13, %%xmm11\n\t"

static void muladd_sse(long batches) {
    __asm__ volatile(
        "movss %[one], %%xmm0\n\t shufps $0, %%xmm0, %%xmm0\n\t"
        "movaps %%xmm0, %%xmm1\n\t movaps %%xmm0, %%xmm2\n\t movaps %%xmm0, %%xmm3\n\t"
        "movaps %%xmm0, %%xmm4\n\t movaps %%xmm0, %%xmm5\n\t movaps %%xmm0, %%xmm6\n\t"
        "movaps %%xmm0, %%xmm7\n\t movaps %%xmm0, %%xmm8\n\t movaps %%xmm0, %%xmm9\n\t"
        "movaps %%xmm0, %%xmm10\n\t movaps %%xmm0, %%xmm11\n\t"
        "movss %[scale], %%xmm12\n\t shufps $0, %%xmm12, %%xmm12\n\t"
        "movss %[shift], %%xmm13\n\t shufps $0, %%xmm13, %%xmm13\n\t"
        "1:\n\t"
        MULADD12 MULADD12 MULADD12 MULADD12 MULADD12 MULADD12 MULADD12 MULADD12
        "dec %[batches]\n\t"
        "jnz 1b\n\t"
        : [batches] "+r"(batches)
        : [one] "m"(one), [scale] "m"(scale), [shift] "m"(shift)
        : CLOBBERS);
}

/// Runs `kernel` in rounds of `batches` until `seconds` have passed; GFLOP/s for `lanes` floats per vector.
static double measure(void (*kernel)(long), int lanes, double seconds) {
    const long batches = 20000;  // 1.9 M vector operations: a fraction of a millisecond
    long rounds = 0;
    double start = seconds_now(), elapsed;
    do {
        kernel(batches);
        rounds++;
        elapsed = seconds_now() - start;
    } while (elapsed < seconds);
    return (double)rounds * batches * 8 * 12 * lanes * 2 / elapsed / 1e9;
}
#endif

double labbook_peak_gflops(double seconds) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return measure(fma_avx512, 16, seconds);
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return measure(fma_avx2, 8, seconds);
    return measure(muladd_sse, 4, seconds);
#else
    (void)seconds;
    return 0;
#endif
}
