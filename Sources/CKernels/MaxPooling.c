#include "CKernels.h"

#include <string.h>

// Max pooling and ReLU's masks in C, so that the compiler can use AVX-512's masked moves where the
// CPU has them: LabBook's Swift code targets every x86-64, where a 16-lane select is four SSE
// blends, and these passes, which only move memory, were a fifth of a convolutional network's step.

static inline __attribute__((always_inline)) void max_pool_forward(
    const float *restrict input, long rows, long height, long width, long channels, long window, long stride,
    long out_height, long out_width, float *restrict output, float *restrict origins) {
    const long input_count = height * width * channels, output_count = out_height * out_width * channels;
    for (long row = 0; row < rows; row++) {
        const float *restrict image = input + row * input_count;
        float *restrict best = output + row * output_count, *restrict index = origins + row * output_count;
        for (long oy = 0; oy < out_height; oy++) {
            for (long ox = 0; ox < out_width; ox++) {
                const long corner = (oy * stride * width + ox * stride) * channels;
                float *restrict pixel_best = best + (oy * out_width + ox) * channels;
                float *restrict pixel_index = index + (oy * out_width + ox) * channels;
                // Indices in 32 bits: converting 64-bit integers to floats needs AVX-512DQ, which
                // not every AVX-512 CPU has, and left the loop scalar.
                for (int c = 0; c < (int)channels; c++) {
                    pixel_best[c] = image[corner + c];
                    pixel_index[c] = (float)((int)corner + c);
                }
                for (long wy = 0; wy < window; wy++) {
                    for (long wx = (wy == 0); wx < window; wx++) {
                        const int element = (int)(corner + (wy * width + wx) * channels);
                        // Strictly greater, so a later tie does not replace the first maximum.
                        for (int c = 0; c < (int)channels; c++) {
                            const float value = image[element + c];
                            const int larger = value > pixel_best[c];
                            pixel_best[c] = larger ? value : pixel_best[c];
                            pixel_index[c] = larger ? (float)(element + c) : pixel_index[c];
                        }
                    }
                }
            }
        }
    }
}

static inline __attribute__((always_inline)) void zero_where_not_positive(
    float *restrict values, const float *restrict reference, long count) {
    // `reference <= 0` is false for NaN, so a diverged value keeps its gradient and surfaces.
    for (long i = 0; i < count; i++) values[i] = reference[i] <= 0 ? 0.0f : values[i];
}

#if defined(__x86_64__)
__attribute__((target("avx512f,avx512bw,avx512vl"))) static void max_pool_forward_avx512(
    const float *input, long rows, long height, long width, long channels, long window, long stride,
    long out_height, long out_width, float *output, float *origins) {
    max_pool_forward(input, rows, height, width, channels, window, stride, out_height, out_width, output, origins);
}

__attribute__((target("avx512f,avx512bw,avx512vl"))) static void zero_where_not_positive_avx512(
    float *values, const float *reference, long count) {
    zero_where_not_positive(values, reference, count);
}

static int has_avx512(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl");
}
#endif

void labbook_max_pool_forward(const float *input, long rows, long height, long width, long channels, long window,
                              long stride, long out_height, long out_width, float *output, float *origins) {
#if defined(__x86_64__)
    if (has_avx512()) {
        return max_pool_forward_avx512(input, rows, height, width, channels, window, stride, out_height, out_width,
                                       output, origins);
    }
#endif
    max_pool_forward(input, rows, height, width, channels, window, stride, out_height, out_width, output, origins);
}

void labbook_max_pool_backward(const float *output_gradient, const float *origins, const float *output, long rows,
                               long input_count, long output_count, float *input_gradient) {
    for (long row = 0; row < rows; row++) {
        // One example at a time, so the zeroed gradient is still in cache when the scatter adds to it.
        float *gradient = input_gradient + row * input_count;
        const long first = row * output_count;
        memset(gradient, 0, (size_t)input_count * sizeof(float));
        // Accumulated: overlapping windows (stride below the window) may pick the same element.
        if (output) {
            // The ReLU's `reference <= 0` test, on the maximum that is the element's value.
            // Without a branch, which ReLU's signs would make as unpredictable as a coin: adding +0
            // leaves every sum as it was (no sum here is -0, which +0 would turn into +0).
            for (long element = 0; element < output_count; element++) {
                const float delta = !(output[first + element] <= 0) ? output_gradient[first + element] : 0.0f;
                gradient[(long)origins[first + element]] += delta;
            }
        } else {
            for (long element = 0; element < output_count; element++) {
                gradient[(long)origins[first + element]] += output_gradient[first + element];
            }
        }
    }
}

void labbook_zero_where_not_positive(float *values, const float *reference, long count) {
#if defined(__x86_64__)
    if (has_avx512()) return zero_where_not_positive_avx512(values, reference, count);
#endif
    zero_where_not_positive(values, reference, count);
}
