// Convolutions through oneDNN's C API, on LabBook's NHWC images and HWIO kernels.
//
// Written in C rather than Swift because the API is a web of C structs, out-parameters and
// argument arrays; Swift sees four calls. Every call runs on the calling thread alone: LabBook cuts
// each batch into a fixed number of parts itself and runs one per core, so one core and two
// execute the very same single-threaded kernels and give the same bits. oneDNN parallelizes with
// OpenMP, whose thread count is a per-thread setting, so each entry point pins it to one first.

#include "CConvolution.h"

#include <oneapi/dnnl/dnnl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// From libgomp, which oneDNN is built against on Debian (omp.h belongs to the compiler).
extern void omp_set_num_threads(int count);

struct labbook_convolution {
    labbook_convolution_geometry geometry;
    dnnl_memory_desc_t input, output, bias, plain_weights;
    const dnnl_memory_desc_t *forward_weights, *backward_data_weights, *diff_weights;
    dnnl_primitive_desc_t forward_pd, backward_data_pd, backward_weights_pd;
    dnnl_primitive_t forward, backward_data, backward_weights;
    // Kernels from HWIO into each primitive's layout and the weight gradient back; NULL where the
    // layouts already agree.
    dnnl_primitive_t to_forward_weights, to_backward_data_weights, from_diff_weights;
    // Offsets in floats within the caller's scratch.
    size_t forward_weights_at, backward_data_weights_at, diff_weights_at, scratchpad_at, scratch_floats;
    char implementation[256];
    struct labbook_convolution *next;
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct labbook_convolution *cache = NULL;
static dnnl_engine_t engine = NULL;

static __thread dnnl_stream_t thread_stream = NULL;

static dnnl_stream_t stream_of_this_thread(void) {
    omp_set_num_threads(1);
    if (!thread_stream && dnnl_stream_create(&thread_stream, engine, dnnl_stream_default_flags) != dnnl_success) {
        thread_stream = NULL;
    }
    return thread_stream;
}

static size_t floats_of(const dnnl_memory_desc_t *desc) {
    // Rounded up to 64 bytes, so every region of the scratch starts on a cache line when it does.
    return (dnnl_memory_desc_get_size(desc) / sizeof(float) + 15) / 16 * 16;
}

static size_t scratchpad_floats(const_dnnl_primitive_desc_t pd) {
    return pd ? floats_of(dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0)) : 0;
}

static size_t max_size(size_t a, size_t b) { return a > b ? a : b; }

/// A reorder from `from` to `to`, or NULL (and success) when they are the same layout.
static dnnl_status_t make_reorder(const dnnl_memory_desc_t *from, const dnnl_memory_desc_t *to,
                                  const_dnnl_primitive_attr_t attr, dnnl_primitive_t *reorder, size_t *scratchpad) {
    *reorder = NULL;
    if (dnnl_memory_desc_equal(from, to)) return dnnl_success;
    dnnl_primitive_desc_t pd;
    dnnl_status_t status = dnnl_reorder_primitive_desc_create(&pd, from, engine, to, engine, attr);
    if (status != dnnl_success) return status;
    *scratchpad = max_size(*scratchpad, scratchpad_floats(pd));
    status = dnnl_primitive_create(reorder, pd);
    dnnl_primitive_desc_destroy(pd);
    return status;
}

static dnnl_status_t build(struct labbook_convolution *c, const char **step) {
    const labbook_convolution_geometry *g = &c->geometry;
    dnnl_status_t status;
#define CHECK(call, what) do { *step = what; if ((status = (call)) != dnnl_success) return status; } while (0)
    dnnl_dims_t input_dims = {g->rows, g->channels, g->height, g->width};
    dnnl_dims_t output_dims = {g->rows, g->filters, g->out_height, g->out_width};
    dnnl_dims_t weight_dims = {g->filters, g->channels, g->kernel, g->kernel};
    dnnl_dims_t bias_dims = {g->filters};
    dnnl_dims_t strides = {g->stride, g->stride};
    dnnl_dims_t pad_before = {g->pad_top, g->pad_left};
    // oneDNN wants the padding after the image too: what the last window reaches past the edge.
    dnnl_dims_t pad_after = {
        (g->out_height - 1) * g->stride + g->kernel - g->height - g->pad_top,
        (g->out_width - 1) * g->stride + g->kernel - g->width - g->pad_left};
    if (pad_after[0] < 0) pad_after[0] = 0;
    if (pad_after[1] < 0) pad_after[1] = 0;
    dnnl_memory_desc_t any_weights;
    CHECK(dnnl_memory_desc_init_by_tag(&c->input, 4, input_dims, dnnl_f32, dnnl_nhwc), "input layout");
    CHECK(dnnl_memory_desc_init_by_tag(&c->output, 4, output_dims, dnnl_f32, dnnl_nhwc), "output layout");
    CHECK(dnnl_memory_desc_init_by_tag(&c->plain_weights, 4, weight_dims, dnnl_f32, dnnl_hwio), "kernel layout");
    // Kernels in a layout of oneDNN's choosing (blocks of 16 channels): asked for HWIO, it falls
    // back to a far slower GEMM-based convolution.
    CHECK(dnnl_memory_desc_init_by_tag(&any_weights, 4, weight_dims, dnnl_f32, dnnl_format_tag_any), "kernel layout");
    CHECK(dnnl_memory_desc_init_by_tag(&c->bias, 1, bias_dims, dnnl_f32, dnnl_a), "bias layout");

    dnnl_primitive_attr_t attr, forward_attr;
    CHECK(dnnl_primitive_attr_create(&attr), "attributes");
    // LabBook hands every call its scratch, so oneDNN allocates nothing while training.
    CHECK(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "scratchpad mode");
    CHECK(dnnl_primitive_attr_clone(&forward_attr, attr), "attributes");
    if (g->relu) {
        dnnl_post_ops_t post_ops;
        CHECK(dnnl_post_ops_create(&post_ops), "post-ops");
        CHECK(dnnl_post_ops_append_eltwise(post_ops, 1.0f, dnnl_eltwise_relu, 0.0f, 0.0f), "ReLU post-op");
        CHECK(dnnl_primitive_attr_set_post_ops(forward_attr, post_ops), "post-ops");
        dnnl_post_ops_destroy(post_ops);
    }

    dnnl_convolution_desc_t forward_desc, backward_data_desc, backward_weights_desc;
    CHECK(dnnl_convolution_forward_desc_init(&forward_desc, dnnl_forward_training, dnnl_convolution_direct, &c->input,
                                             &any_weights, &c->bias, &c->output, strides, pad_before, pad_after),
          "forward descriptor");
    CHECK(dnnl_primitive_desc_create(&c->forward_pd, &forward_desc, forward_attr, engine, NULL), "forward convolution");
    c->forward_weights = dnnl_primitive_desc_query_md(c->forward_pd, dnnl_query_weights_md, 0);
    CHECK(dnnl_primitive_create(&c->forward, c->forward_pd), "forward kernel");

    CHECK(dnnl_convolution_backward_weights_desc_init(&backward_weights_desc, dnnl_convolution_direct, &c->input,
                                                      &any_weights, &c->bias, &c->output, strides, pad_before, pad_after),
          "weight-gradient descriptor");
    CHECK(dnnl_primitive_desc_create(&c->backward_weights_pd, &backward_weights_desc, attr, engine, c->forward_pd),
          "weight-gradient convolution");
    c->diff_weights = dnnl_primitive_desc_query_md(c->backward_weights_pd, dnnl_query_diff_weights_md, 0);
    CHECK(dnnl_primitive_create(&c->backward_weights, c->backward_weights_pd), "weight-gradient kernel");

    {
        CHECK(dnnl_convolution_backward_data_desc_init(&backward_data_desc, dnnl_convolution_direct, &c->input,
                                                       &any_weights, &c->output, strides, pad_before, pad_after),
              "input-gradient descriptor");
        CHECK(dnnl_primitive_desc_create(&c->backward_data_pd, &backward_data_desc, attr, engine, c->forward_pd),
              "input-gradient convolution");
        c->backward_data_weights = dnnl_primitive_desc_query_md(c->backward_data_pd, dnnl_query_weights_md, 0);
        CHECK(dnnl_primitive_create(&c->backward_data, c->backward_data_pd), "input-gradient kernel");
    }

    size_t scratchpad = max_size(scratchpad_floats(c->forward_pd),
                                 max_size(scratchpad_floats(c->backward_weights_pd), scratchpad_floats(c->backward_data_pd)));
    CHECK(make_reorder(&c->plain_weights, c->forward_weights, attr, &c->to_forward_weights, &scratchpad), "kernel reorder");
    CHECK(make_reorder(c->diff_weights, &c->plain_weights, attr, &c->from_diff_weights, &scratchpad), "gradient reorder");
    {
        CHECK(make_reorder(&c->plain_weights, c->backward_data_weights, attr, &c->to_backward_data_weights, &scratchpad),
              "kernel reorder");
    }
    dnnl_primitive_attr_destroy(attr);
    dnnl_primitive_attr_destroy(forward_attr);
#undef CHECK

    size_t at = 0;
    c->forward_weights_at = at;
    at += c->to_forward_weights ? floats_of(c->forward_weights) : 0;
    c->backward_data_weights_at = at;
    at += c->to_backward_data_weights ? floats_of(c->backward_data_weights) : 0;
    c->diff_weights_at = at;
    at += c->from_diff_weights ? floats_of(c->diff_weights) : 0;
    c->scratchpad_at = at;
    c->scratch_floats = at + scratchpad;

    const char *names[3] = {"", "", ""};
    dnnl_primitive_desc_query(c->forward_pd, dnnl_query_impl_info_str, 0, (void *)&names[0]);
    if (c->backward_data_pd) dnnl_primitive_desc_query(c->backward_data_pd, dnnl_query_impl_info_str, 0, (void *)&names[1]);
    dnnl_primitive_desc_query(c->backward_weights_pd, dnnl_query_impl_info_str, 0, (void *)&names[2]);
    snprintf(c->implementation, sizeof c->implementation, "%s / %s / %s", names[0],
             c->backward_data_pd ? names[1] : "none", names[2]);
    return dnnl_success;
}

const labbook_convolution *labbook_convolution_find(const labbook_convolution_geometry *geometry, char *error,
                                                    size_t error_size) {
    omp_set_num_threads(1);
    pthread_mutex_lock(&cache_lock);
    struct labbook_convolution *found = cache;
    while (found && memcmp(&found->geometry, geometry, sizeof *geometry) != 0) found = found->next;
    if (!found) {
        const char *step = "engine";
        dnnl_status_t status = engine ? dnnl_success : dnnl_engine_create(&engine, dnnl_cpu, 0);
        struct labbook_convolution *made = calloc(1, sizeof *made);
        if (made && status == dnnl_success) {
            made->geometry = *geometry;
            status = build(made, &step);
        }
        if (made && status == dnnl_success) {
            made->next = cache;
            cache = made;
            found = made;
        } else {
            // Whatever was made of a failed entry is left to the process's end: failures end the run.
            snprintf(error, error_size, "oneDNN could not make the convolution's %s (status %d)", step, (int)status);
            free(made);
        }
    }
    pthread_mutex_unlock(&cache_lock);
    return found;
}

size_t labbook_convolution_scratch_floats(const labbook_convolution *c) { return c->scratch_floats; }

const char *labbook_convolution_implementation(const labbook_convolution *c) { return c->implementation; }

static char library_name[64];

static void describe_library(void) {
    const dnnl_version_t *version = dnnl_version();
    snprintf(library_name, sizeof library_name, "oneDNN %d.%d.%d", version->major, version->minor, version->patch);
}

const char *labbook_convolution_library(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, describe_library);
    return library_name;
}

/// A memory object over `data`; freed by `release`.
static dnnl_memory_t wrap(const dnnl_memory_desc_t *desc, const void *data) {
    dnnl_memory_t memory = NULL;
    if (dnnl_memory_create(&memory, desc, engine, (void *)data) != dnnl_success) return NULL;
    return memory;
}

static int run(dnnl_primitive_t primitive, dnnl_stream_t stream, int count, const int *kinds, dnnl_memory_t *memories) {
    dnnl_exec_arg_t args[8];
    for (int i = 0; i < count; i++) {
        if (!memories[i]) return dnnl_out_of_memory;
        args[i].arg = kinds[i];
        args[i].memory = memories[i];
    }
    dnnl_status_t status = dnnl_primitive_execute(primitive, stream, count, args);
    if (status == dnnl_success) status = dnnl_stream_wait(stream);
    return status;
}

static void release(int count, dnnl_memory_t *memories) {
    for (int i = 0; i < count; i++) {
        if (memories[i]) dnnl_memory_destroy(memories[i]);
    }
}

/// Runs `primitive` on the buffers, each described by `descs`, with the scratchpad at `scratchpad`.
static int execute(dnnl_primitive_t primitive, int count, const int *kinds,
                   const dnnl_memory_desc_t *const *descs, const void *const *buffers, float *scratchpad) {
    dnnl_stream_t stream = stream_of_this_thread();
    if (!stream) return dnnl_out_of_memory;
    dnnl_memory_t memories[8];
    int kinds_with_scratchpad[8];
    for (int i = 0; i < count; i++) {
        memories[i] = wrap(descs[i], buffers[i]);
        kinds_with_scratchpad[i] = kinds[i];
    }
    const_dnnl_primitive_desc_t pd;
    dnnl_primitive_get_primitive_desc(primitive, &pd);
    memories[count] = wrap(dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0), scratchpad);
    kinds_with_scratchpad[count] = DNNL_ARG_SCRATCHPAD;
    int status = run(primitive, stream, count + 1, kinds_with_scratchpad, memories);
    release(count + 1, memories);
    return status;
}

/// `weights` (HWIO) in the layout `reorder` makes, or as they are when it is NULL.
static const float *weights_for(const labbook_convolution *c, dnnl_primitive_t reorder, const dnnl_memory_desc_t *layout,
                                const float *weights, float *target, float *scratchpad, int *status) {
    if (!reorder) return weights;
    const int kinds[2] = {DNNL_ARG_FROM, DNNL_ARG_TO};
    const dnnl_memory_desc_t *descs[2] = {&c->plain_weights, layout};
    const void *buffers[2] = {weights, target};
    *status = execute(reorder, 2, kinds, descs, buffers, scratchpad);
    return target;
}

int labbook_convolution_forward(const labbook_convolution *c, const float *input, const float *weights,
                                const float *biases, float *output, float *scratch) {
    int status = dnnl_success;
    float *scratchpad = scratch + c->scratchpad_at;
    const float *kernel = weights_for(c, c->to_forward_weights, c->forward_weights, weights,
                                      scratch + c->forward_weights_at, scratchpad, &status);
    if (status != dnnl_success) return status;
    const int kinds[4] = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_BIAS, DNNL_ARG_DST};
    const dnnl_memory_desc_t *descs[4] = {&c->input, c->forward_weights, &c->bias, &c->output};
    const void *buffers[4] = {input, kernel, biases, output};
    return execute(c->forward, 4, kinds, descs, buffers, scratchpad);
}

int labbook_convolution_backward_data(const labbook_convolution *c, const float *output_gradient,
                                      const float *weights, float *input_gradient, float *scratch) {
    if (!c->backward_data) return dnnl_invalid_arguments;
    int status = dnnl_success;
    float *scratchpad = scratch + c->scratchpad_at;
    const float *kernel = weights_for(c, c->to_backward_data_weights, c->backward_data_weights, weights,
                                      scratch + c->backward_data_weights_at, scratchpad, &status);
    if (status != dnnl_success) return status;
    const int kinds[3] = {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC};
    const dnnl_memory_desc_t *descs[3] = {&c->output, c->backward_data_weights, &c->input};
    const void *buffers[3] = {output_gradient, kernel, input_gradient};
    return execute(c->backward_data, 3, kinds, descs, buffers, scratchpad);
}

int labbook_convolution_backward_weights(const labbook_convolution *c, const float *input,
                                         const float *output_gradient, float *weight_gradient,
                                         float *bias_gradient, float *scratch) {
    float *scratchpad = scratch + c->scratchpad_at;
    float *gradient = c->from_diff_weights ? scratch + c->diff_weights_at : weight_gradient;
    const int kinds[4] = {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS, DNNL_ARG_DIFF_BIAS};
    const dnnl_memory_desc_t *descs[4] = {&c->input, &c->output, c->diff_weights, &c->bias};
    const void *buffers[4] = {input, output_gradient, gradient, bias_gradient};
    int status = execute(c->backward_weights, 4, kinds, descs, buffers, scratchpad);
    if (status != dnnl_success || !c->from_diff_weights) return status;
    const int reorder_kinds[2] = {DNNL_ARG_FROM, DNNL_ARG_TO};
    const dnnl_memory_desc_t *reorder_descs[2] = {c->diff_weights, &c->plain_weights};
    const void *reorder_buffers[2] = {gradient, weight_gradient};
    return execute(c->from_diff_weights, 2, reorder_kinds, reorder_descs, reorder_buffers, scratchpad);
}
