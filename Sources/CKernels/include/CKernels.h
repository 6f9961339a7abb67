#ifndef LABBOOK_CKERNELS_H
#define LABBOOK_CKERNELS_H

#include <stdint.h>

/// Writes `rows` examples as normalized floats: row `r` of `features` is example `indices[r]` of
/// `examples` (`width` bytes each), every byte `x` of feature `f` becoming `(x - offset[f]) * multiplier[f]`.
///
/// The same arithmetic as a scalar loop, in single precision and without fused multiply-adds, so the
/// result is bit-identical whichever instruction set runs it: AVX-512 or AVX2 where the CPU has them
/// (chosen at run time, since LabBook's binary targets every x86-64), plain code otherwise. The next
/// row is prefetched while the current one is converted: batches pick rows at random from a dataset
/// far larger than the caches, and waiting for each row's first bytes was most of the cost.
void labbook_gather_normalized_bytes(const uint8_t *examples, const long *indices, long rows, long width,
                                     const float *offset, const float *multiplier, float *features);

/// Single-precision GFLOP/s of this thread running independent fused multiply-adds from registers
/// for about `seconds`, in the widest vectors the CPU has (AVX-512, else AVX2 with FMA, else SSE
/// multiplies and adds, counted as two operations each): the ceiling no matrix product on this core
/// can pass, for comparing a benchmark's figures with what the hardware could do at best.
double labbook_peak_gflops(double seconds);

/// Makes this thread's single-precision arithmetic flush subnormal numbers to zero, as TensorFlow's
/// threads do. Weights of units that stopped learning decay under L2 towards zero through the
/// subnormal range, where Intel cores take a microcode assist per operation: a Fashion-MNIST run
/// with Adam slowed from 3 s per 2,000 steps to 28 s for 6,000. Threads a thread starts inherit it.
void labbook_flush_subnormals(void);

/// How many processors this process may run on (its affinity mask, which `taskset` and container
/// cpusets set), or 0 where that can not be read. Foundation's `activeProcessorCount` reports the
/// cgroup's processors instead, so under `taskset -c 0` it still says 2.
long labbook_usable_processors(void);

/// Restricts this process (and the threads it starts later) to share `share` (from 0) of `shares`
/// equal shares of the processors it may use, so that parallel sweep trials do not take turns on
/// the same cores. Returns 0, or -1 when there are fewer processors than shares.
int labbook_pin_to_share(long share, long shares);

/// Asks the kernel to send this process SIGTERM when its parent, process `parent`, dies (at once
/// when it already has): a sweep's trial must not run on alone after its sweep is killed.
void labbook_stop_with_parent(long parent);

/// Max pooling over `rows` NHWC images: each output is its window's maximum, and `origins` gets the
/// index within the example (as a float, exact below 2^24) of the first maximal element in row-major
/// window order, as TensorFlow's `MaxPoolGrad` picks it.
void labbook_max_pool_forward(const float *input, long rows, long height, long width, long channels, long window,
                              long stride, long out_height, long out_width, float *output, float *origins);

/// Max pooling's input gradient: each output's gradient added at its origin, zero elsewhere. With
/// `output` (the pooled maxima) not NULL, only where the maximum is positive or NaN, which applies
/// the derivative of a ReLU before the pooling.
void labbook_max_pool_backward(const float *output_gradient, const float *origins, const float *output, long rows,
                               long input_count, long output_count, float *input_gradient);

/// ReLU's derivative applied in place: `values[i]` becomes 0 where `reference[i] <= 0`.
void labbook_zero_where_not_positive(float *values, const float *reference, long count);

/// Tells the CPU this thread is spinning on a flag another thread will set, which frees resources
/// for that thread and saves power (x86's `pause`, Arm's `yield`).
static inline void labbook_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
    __asm__ volatile("yield");
#endif
}

#endif
