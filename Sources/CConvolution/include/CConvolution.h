#ifndef LABBOOK_CCONVOLUTION_H
#define LABBOOK_CCONVOLUTION_H

#include <stddef.h>

/// One convolution's shapes, for a part of `rows` examples. Images are NHWC, kernels HWIO
/// (TensorFlow's `[k, k, C, filters]`), as everywhere else in LabBook.
typedef struct labbook_convolution_geometry {
    long rows, height, width, channels;
    long filters, kernel, stride;
    long pad_top, pad_left, out_height, out_width;
    /// Nonzero: ReLU is applied in the forward pass, in the same sweep over the output.
    int relu;
} labbook_convolution_geometry;

/// oneDNN's primitives for one geometry, made once per process and shared by every thread.
typedef struct labbook_convolution labbook_convolution;

/// The primitives for `geometry`, made on first use; NULL, with a message in `error`, when oneDNN
/// cannot make them.
const labbook_convolution *labbook_convolution_find(const labbook_convolution_geometry *geometry,
                                                    char *error, size_t error_size);
/// Floats of scratch each call needs (weights in oneDNN's layouts and oneDNN's own scratchpad).
size_t labbook_convolution_scratch_floats(const labbook_convolution *convolution);
/// oneDNN's implementation names, forward / backward data / backward weights, for the benchmark.
const char *labbook_convolution_implementation(const labbook_convolution *convolution);

/// "oneDNN 2.6.3": the library's name and the version loaded at run time.
const char *labbook_convolution_library(void);

/// Each returns 0, or oneDNN's status. Every call runs on the calling thread alone.
int labbook_convolution_forward(const labbook_convolution *convolution, const float *input, const float *weights,
                                const float *biases, float *output, float *scratch);
int labbook_convolution_backward_data(const labbook_convolution *convolution, const float *output_gradient,
                                      const float *weights, float *input_gradient, float *scratch);
/// Overwrites `weight_gradient` (HWIO) and `bias_gradient` with the sums over the part's rows.
int labbook_convolution_backward_weights(const labbook_convolution *convolution, const float *input,
                                         const float *output_gradient, float *weight_gradient,
                                         float *bias_gradient, float *scratch);

#endif
