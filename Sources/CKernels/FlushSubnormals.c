#include "CKernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <xmmintrin.h>
#endif

void labbook_flush_subnormals(void) {
#if defined(__x86_64__) || defined(__i386__)
    // FTZ (bit 15): results too small for a normal float become 0; DAZ (bit 6): subnormal inputs
    // are read as 0.
    _mm_setcsr(_mm_getcsr() | 0x8040);
#elif defined(__aarch64__)
    unsigned long fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    __asm__ volatile("msr fpcr, %0" : : "r"(fpcr | (1UL << 24)));  // FZ
#endif
}
