#include "JPEGErrors.h"

#include <jerror.h>

static void keep_message_and_escape(j_common_ptr codec) {
    labbook_jpeg_errors *errors = (labbook_jpeg_errors *)codec->err;
    errors->manager.format_message(codec, errors->message);
    longjmp(errors->escape, 1);
}

// libjpeg carries on after a warning, filling what it could not decode with grey. A warning about
// the entropy-coded data (a truncated file, a bad Huffman code, a lost marker) means the pixels are
// not the image, so it fails the decoding; one about metadata (an unknown JFIF version or Adobe
// transform, a bad ICC profile, stray bytes between markers) is dropped, as PIL drops them all.
static void warn(j_common_ptr codec, int level) {
    if (level >= 0) return;  // trace messages, off at the default trace level anyway
    switch (codec->err->msg_code) {
    case JWRN_JPEG_EOF:
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_ARITH_BAD_CODE:
    case JWRN_MUST_RESYNC:
    case JWRN_NOT_SEQUENTIAL:
    case JWRN_BOGUS_PROGRESSION:
        keep_message_and_escape(codec);
        break;
    default:
        break;
    }
}

static void print_nothing(j_common_ptr codec) { (void)codec; }

struct jpeg_error_mgr *labbook_jpeg_errors_install(labbook_jpeg_errors *errors) {
    struct jpeg_error_mgr *manager = jpeg_std_error(&errors->manager);
    manager->error_exit = keep_message_and_escape;
    manager->emit_message = warn;
    manager->output_message = print_nothing;
    errors->message[0] = '\0';
    return manager;
}

void labbook_jpeg_fail(j_common_ptr codec, const char *text) {
    labbook_jpeg_errors *errors = (labbook_jpeg_errors *)codec->err;
    snprintf(errors->message, sizeof errors->message, "%s", text);
    longjmp(errors->escape, 1);
}
