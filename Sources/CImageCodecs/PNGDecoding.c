// PNG decoding through libpng's simplified API (png_image_*), which turns every libpng error into a
// return value and a message in the png_image instead of printing it or exiting, and converts any
// bit depth, palette and transparency to the 8-bit layout asked for.

#include "CImageCodecs.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct labbook_png_decoder {
    png_image image;
    int channels;
    int decoding_channels;
};

labbook_png_decoder *labbook_png_open(const uint8_t *bytes, size_t size, labbook_image_header *header,
                                      char *message, size_t message_size) {
    labbook_png_decoder *decoder = calloc(1, sizeof *decoder);
    if (decoder == NULL) {
        snprintf(message, message_size, "out of memory");
        return NULL;
    }
    decoder->image.version = PNG_IMAGE_VERSION;
    // libpng frees its own state when this fails; the message stays in the png_image.
    if (!png_image_begin_read_from_memory(&decoder->image, bytes, size)) {
        snprintf(message, message_size, "%s", decoder->image.message);
        free(decoder);
        return NULL;
    }
    png_uint_32 format = decoder->image.format;
    int color = (format & PNG_FORMAT_FLAG_COLOR) != 0;
    int alpha = (format & PNG_FORMAT_FLAG_ALPHA) != 0;
    decoder->channels = color ? 3 : 1;
    decoder->decoding_channels = decoder->channels + alpha;
    // Alpha is decoded and then dropped, as PIL's convert("RGB") drops it: asking libpng for a
    // format without alpha would instead composite the pixels onto a background.
    decoder->image.format = (color ? PNG_FORMAT_RGB : PNG_FORMAT_GRAY) | (alpha ? PNG_FORMAT_FLAG_ALPHA : 0);
    // A 16-bit file that says nothing of its gamma holds sRGB-encoded samples, as PIL and nearly
    // every tool take them; libpng's default would take them as linear light and brighten them.
    decoder->image.flags |= PNG_IMAGE_FLAG_16BIT_sRGB;
    header->width = decoder->image.width;
    header->height = decoder->image.height;
    header->channels = decoder->channels;
    header->decoding_channels = decoder->decoding_channels;
    return decoder;
}

int labbook_png_read(labbook_png_decoder *decoder, uint8_t *pixels, char *message, size_t message_size) {
    if (!png_image_finish_read(&decoder->image, NULL, pixels, 0, NULL)) {
        snprintf(message, message_size, "%s", decoder->image.message);
        return 1;
    }
    if (decoder->decoding_channels != decoder->channels) {
        size_t count = (size_t)decoder->image.width * decoder->image.height;
        size_t kept = (size_t)decoder->channels, stride = (size_t)decoder->decoding_channels;
        for (size_t pixel = 0; pixel < count; pixel++) {
            memmove(pixels + pixel * kept, pixels + pixel * stride, kept);
        }
    }
    return 0;
}

void labbook_png_close(labbook_png_decoder *decoder) {
    if (decoder == NULL) return;
    png_image_free(&decoder->image);
    free(decoder);
}
