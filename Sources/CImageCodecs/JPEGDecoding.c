// JPEG decoding through libjpeg (Debian's libjpeg-turbo), with the error manager of JPEGErrors.c:
// each entry point sets the jump target before calling libjpeg, so a corrupt file comes back as a
// message from the call that met it.

#include "CImageCodecs.h"
#include "JPEGErrors.h"

#include <stdlib.h>
#include <string.h>

// A progressive file can hold thousands of tiny scans, each of which makes libjpeg pass over the
// whole image's coefficients: a small file that takes minutes. libjpeg-turbo's own fuzzers stop at
// 500 scans; real encoders write about ten.
enum { maximum_scans = 500 };

struct labbook_jpeg_decoder {
    struct jpeg_decompress_struct codec;
    labbook_jpeg_errors errors;
    struct jpeg_progress_mgr progress;
    int channels;
};

static void limit_scans(j_common_ptr codec) {
    if (((j_decompress_ptr)codec)->input_scan_number > maximum_scans) {
        char text[80];
        snprintf(text, sizeof text, "progressive JPEG with more than %d scans", maximum_scans);
        labbook_jpeg_fail(codec, text);
    }
}

static void destroy(labbook_jpeg_decoder *decoder) {
    jpeg_destroy_decompress(&decoder->codec);
    free(decoder);
}

labbook_jpeg_decoder *labbook_jpeg_open(const uint8_t *bytes, size_t size, labbook_image_header *header,
                                        char *message, size_t message_size) {
    labbook_jpeg_decoder *decoder = calloc(1, sizeof *decoder);
    if (decoder == NULL) {
        snprintf(message, message_size, "out of memory");
        return NULL;
    }
    decoder->codec.err = labbook_jpeg_errors_install(&decoder->errors);
    if (setjmp(decoder->errors.escape)) {
        snprintf(message, message_size, "%s", decoder->errors.message);
        destroy(decoder);
        return NULL;
    }
    jpeg_create_decompress(&decoder->codec);
    decoder->progress.progress_monitor = limit_scans;
    decoder->codec.progress = &decoder->progress;
    jpeg_mem_src(&decoder->codec, bytes, (unsigned long)size);
    jpeg_read_header(&decoder->codec, TRUE);
    switch (decoder->codec.jpeg_color_space) {
    case JCS_GRAYSCALE:
        decoder->codec.out_color_space = JCS_GRAYSCALE;
        decoder->channels = 1;
        break;
    case JCS_YCbCr:
    case JCS_RGB:
        // Colour files decode to RGB even for grey output: PIL makes grey from RGB by its own
        // weights, which libjpeg's grey from YCbCr (the Y channel alone) does not match.
        decoder->codec.out_color_space = JCS_RGB;
        decoder->channels = 3;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        labbook_jpeg_fail((j_common_ptr)&decoder->codec, "CMYK JPEG images are not supported; save it as RGB");
        break;
    default:
        labbook_jpeg_fail((j_common_ptr)&decoder->codec, "JPEG with an unknown colour space");
        break;
    }
    // libjpeg's defaults are also PIL's: the accurate integer DCT and smooth chroma upsampling.
    header->width = decoder->codec.image_width;
    header->height = decoder->codec.image_height;
    header->channels = decoder->channels;
    header->decoding_channels = decoder->channels;
    return decoder;
}

int labbook_jpeg_read(labbook_jpeg_decoder *decoder, uint8_t *pixels, char *message, size_t message_size) {
    if (setjmp(decoder->errors.escape)) {
        snprintf(message, message_size, "%s", decoder->errors.message);
        return 1;
    }
    jpeg_start_decompress(&decoder->codec);
    if (decoder->codec.output_components != decoder->channels ||
        decoder->codec.output_width != decoder->codec.image_width ||
        decoder->codec.output_height != decoder->codec.image_height) {
        labbook_jpeg_fail((j_common_ptr)&decoder->codec, "libjpeg decodes to a layout other than the header's");
    }
    size_t row_bytes = (size_t)decoder->codec.output_width * (size_t)decoder->channels;
    while (decoder->codec.output_scanline < decoder->codec.output_height) {
        JSAMPROW row = pixels + (size_t)decoder->codec.output_scanline * row_bytes;
        jpeg_read_scanlines(&decoder->codec, &row, 1);
    }
    jpeg_finish_decompress(&decoder->codec);
    return 0;
}

void labbook_jpeg_close(labbook_jpeg_decoder *decoder) {
    if (decoder != NULL) destroy(decoder);
}
