#ifndef LABBOOK_CIMAGECODECS_H
#define LABBOOK_CIMAGECODECS_H

#include <stddef.h>
#include <stdint.h>

/// What a file's header claims, read before any pixel is decoded so that the caller can refuse a
/// size before allocating for it.
typedef struct labbook_image_header {
    uint32_t width, height;
    /// 1 (grey) or 3 (RGB): the pixels `read` leaves, without alpha.
    int channels;
    /// Bytes per pixel the buffer given to `read` must hold while decoding: `channels`, plus one
    /// while an alpha channel is decoded and then dropped.
    int decoding_channels;
} labbook_image_header;

/// Every call that can fail writes a one-line reason into `message` (`message_size` bytes, at least
/// 200 for libjpeg's messages) and returns NULL or nonzero. Nothing is ever printed and nothing exits
/// the process: libpng's and libjpeg's errors and warnings all end up in `message` or are dropped.

/// A PNG in memory, through libpng's simplified API.
typedef struct labbook_png_decoder labbook_png_decoder;
/// Reads the header of the PNG in `bytes` (which must stay alive until `close`).
labbook_png_decoder *labbook_png_open(const uint8_t *bytes, size_t size, labbook_image_header *header,
                                      char *message, size_t message_size);
/// Decodes the pixels into `pixels` (width x height x decoding_channels bytes), rows top to bottom,
/// channels interleaved; 16-bit samples are scaled to 8 bits, palettes expanded, alpha dropped, and
/// the `header.channels` bytes of each pixel are left packed at the start of `pixels`.
int labbook_png_read(labbook_png_decoder *decoder, uint8_t *pixels, char *message, size_t message_size);
void labbook_png_close(labbook_png_decoder *decoder);

/// A baseline or progressive JPEG in memory, through libjpeg(-turbo).
typedef struct labbook_jpeg_decoder labbook_jpeg_decoder;
labbook_jpeg_decoder *labbook_jpeg_open(const uint8_t *bytes, size_t size, labbook_image_header *header,
                                        char *message, size_t message_size);
/// As `labbook_png_read`: grey JPEGs decode to one channel, YCbCr and RGB ones to RGB.
int labbook_jpeg_read(labbook_jpeg_decoder *decoder, uint8_t *pixels, char *message, size_t message_size);
void labbook_jpeg_close(labbook_jpeg_decoder *decoder);

/// Encodes `width` x `height` interleaved pixels of `channels` bytes (1 grey, 3 RGB, 4 CMYK) as a JPEG
/// of `quality` (1-100), progressive when `progressive` is nonzero, for tests' fixtures. On success
/// returns 0 and sets `*output` to a buffer of `*output_size` bytes that the caller frees with `free`.
int labbook_jpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels, int quality,
                        int progressive, uint8_t **output, size_t *output_size, char *message, size_t message_size);

#endif
