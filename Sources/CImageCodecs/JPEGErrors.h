#ifndef LABBOOK_JPEG_ERRORS_H
#define LABBOOK_JPEG_ERRORS_H

// libjpeg's default error handler prints to stderr and calls exit(); this one keeps the message and
// jumps back to the entry point that set `escape`, which then destroys the codec and returns it.

#include <setjmp.h>
#include <stdio.h>
#include <jpeglib.h>

typedef struct labbook_jpeg_errors {
    struct jpeg_error_mgr manager;  // first, so that libjpeg's `err` pointer is this struct's
    jmp_buf escape;
    char message[JMSG_LENGTH_MAX];
} labbook_jpeg_errors;

/// Makes `errors` the error manager of a codec about to be created with jpeg_create_*: errors and
/// the warnings that mean damaged pixel data jump to `escape`, and nothing is ever printed.
struct jpeg_error_mgr *labbook_jpeg_errors_install(labbook_jpeg_errors *errors);

/// Keeps `text` as the message and jumps to `escape`, for the codec's own checks (a progress monitor).
void labbook_jpeg_fail(j_common_ptr codec, const char *text);

#endif
