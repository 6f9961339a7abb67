// JPEG encoding to memory through libjpeg, so that tests make their fixture files rather than keep
// binary files in the repository.

#include "CImageCodecs.h"
#include "JPEGErrors.h"

#include <stdlib.h>

// On the heap, so that what the jump back must still see is not a local that setjmp may have lost.
typedef struct encoder {
    struct jpeg_compress_struct codec;
    labbook_jpeg_errors errors;
    unsigned char *buffer;
    unsigned long buffer_size;
} encoder;

int labbook_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels, int quality,
                        int progressive, uint8_t **output, size_t *output_size, char *message, size_t message_size) {
    if (channels != 1 && channels != 3 && channels != 4) {
        snprintf(message, message_size, "%d channels; JPEG fixtures have 1, 3 or 4", channels);
        return 1;
    }
    encoder *state = calloc(1, sizeof *state);
    if (state == NULL) {
        snprintf(message, message_size, "out of memory");
        return 1;
    }
    state->codec.err = labbook_jpeg_errors_install(&state->errors);
    if (setjmp(state->errors.escape)) {
        snprintf(message, message_size, "%s", state->errors.message);
        jpeg_destroy_compress(&state->codec);
        free(state->buffer);
        free(state);
        return 1;
    }
    jpeg_create_compress(&state->codec);
    jpeg_mem_dest(&state->codec, &state->buffer, &state->buffer_size);
    state->codec.image_width = width;
    state->codec.image_height = height;
    state->codec.input_components = channels;
    state->codec.in_color_space = channels == 1 ? JCS_GRAYSCALE : channels == 3 ? JCS_RGB : JCS_CMYK;
    jpeg_set_defaults(&state->codec);
    jpeg_set_quality(&state->codec, quality, TRUE);
    if (progressive) jpeg_simple_progression(&state->codec);
    jpeg_start_compress(&state->codec, TRUE);
    size_t row_bytes = (size_t)width * (size_t)channels;
    while (state->codec.next_scanline < height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)state->codec.next_scanline * row_bytes);
        jpeg_write_scanlines(&state->codec, &row, 1);
    }
    jpeg_finish_compress(&state->codec);
    jpeg_destroy_compress(&state->codec);
    *output = state->buffer;
    *output_size = state->buffer_size;
    free(state);
    return 0;
}
