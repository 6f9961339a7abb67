#include "CMPI.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Open MPI's ABI, declared here because mpi.h (libopenmpi-dev) need not be installed where LabBook
// is built. libmpi.so.40 is the soname of Open MPI 3.x to 5.x, whose handles are all pointers to
// library structs: MPI_Comm, MPI_Datatype, MPI_Errhandler and MPI_Request are `struct ... *`, and the
// predefined ones are the addresses of exported globals (mpi.h: `#define MPI_COMM_WORLD
// OMPI_PREDEFINED_GLOBAL(MPI_Comm, ompi_mpi_comm_world)`, that is `&ompi_mpi_comm_world`; MPI_BYTE is
// `&ompi_mpi_byte`, MPI_ERRORS_RETURN `&ompi_mpi_errors_return`; MPI_INT, MPI_LONG_LONG, MPI_SUM and
// MPI_MAX would be `&ompi_mpi_int`, `&ompi_mpi_long_long_int`, `&ompi_mpi_op_sum` and
// `&ompi_mpi_op_max`, should a reduction ever be needed). MPICH and its derivatives (libmpi.so.12)
// have another ABI, with integer handles, and are refused when loaded.
typedef void *ompi_handle;

// MPI_Status as Open MPI 3.x to 5.x lay it out (struct ompi_status_public_t): the public fields the
// standard names, then Open MPI's own. Only MPI_Get_count reads the private ones.
typedef struct {
    int source;
    int tag;
    int error;
    int cancelled;
    size_t ucount;
} ompi_status;

enum { OMPI_THREAD_FUNNELED = 1, OMPI_ANY_SOURCE = -1, OMPI_MAX_ERROR_STRING = 256 };

static struct {
    void *library;
    ompi_handle comm_world, byte;
    int (*init_thread)(int *, char ***, int, int *);
    int (*comm_set_errhandler)(ompi_handle, ompi_handle);
    int (*comm_rank)(ompi_handle, int *);
    int (*comm_size)(ompi_handle, int *);
    int (*allgatherv)(const void *, int, ompi_handle, void *, const int *, const int *, ompi_handle, ompi_handle);
    int (*alltoallv)(const void *, const int *, const int *, ompi_handle, void *, const int *, const int *,
                     ompi_handle, ompi_handle);
    int (*barrier)(ompi_handle);
    int (*isend)(const void *, int, ompi_handle, int, int, ompi_handle, ompi_handle *);
    int (*test)(ompi_handle *, int *, ompi_status *);
    int (*iprobe)(int, int, ompi_handle, int *, ompi_status *);
    int (*get_count)(const ompi_status *, ompi_handle, int *);
    int (*irecv)(void *, int, ompi_handle, int, int, ompi_handle, ompi_handle *);
    int (*abort)(ompi_handle, int);
    int (*finalize)(void);
    int (*error_string)(int, char *, int *);
} mpi;

static void say(char *message, size_t message_size, const char *format, ...) {
    if (message == NULL || message_size == 0) return;
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(message, message_size, format, arguments);
    va_end(arguments);
}

/// Turns an MPI call's return code into 0, or nonzero with the call's name and MPI's own words.
static int check(int code, const char *call, char *message, size_t message_size) {
    if (code == 0) return 0;
    char text[OMPI_MAX_ERROR_STRING + 1] = "";
    int length = 0;
    if (mpi.error_string == NULL || mpi.error_string(code, text, &length) != 0) {
        snprintf(text, sizeof text, "error code %d", code);
    }
    say(message, message_size, "%s failed: %s", call, text);
    return code;
}

static int require_init(char *message, size_t message_size) {
    if (mpi.comm_world != NULL) return 0;
    say(message, message_size, "MPI is not initialized");
    return -1;
}

int labbook_mpi_launched(const char **variable) {
    const char *forced = getenv("LABBOOK_MPI");
    if (forced != NULL && strcmp(forced, "0") == 0) return 0;
    static const char *const names[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"};
    for (size_t index = 0; index < sizeof names / sizeof names[0]; index++) {
        if (getenv(names[index]) != NULL) {
            if (variable != NULL) *variable = names[index];
            return 1;
        }
    }
    return 0;
}

/// Finds `name` in the loaded library, or says which is missing.
static void *symbol(const char *name, const char *library, int *missing, char *message, size_t message_size) {
    void *address = dlsym(mpi.library, name);
    if (address == NULL && !*missing) {
        *missing = 1;
        say(message, message_size,
            "%s has no %s: LabBook speaks Open MPI's ABI (libmpi.so.40, Open MPI 3.x to 5.x); install Open MPI "
            "(Debian: openmpi-bin)", library, name);
    }
    return address;
}

/// MPI can be initialized once per process: after MPI_Finalize, MPI_Init_thread would end the process.
static int finalized;

int labbook_mpi_init(char *message, size_t message_size) {
    if (mpi.comm_world != NULL) return 0;
    if (finalized) {
        say(message, message_size, "MPI was finalized in this process and cannot start again");
        return -1;
    }
    const char *variable = "an MPI launcher's variable";
    labbook_mpi_launched(&variable);
    // Open MPI loads its components as plugins that look up the library's symbols globally.
    const char *library = "libmpi.so.40";
    mpi.library = dlopen(library, RTLD_NOW | RTLD_GLOBAL);
    if (mpi.library == NULL) {
        char first[512];
        snprintf(first, sizeof first, "%s", dlerror());
        library = "libmpi.so";
        mpi.library = dlopen(library, RTLD_NOW | RTLD_GLOBAL);
        if (mpi.library == NULL) {
            say(message, message_size,
                "launched under an MPI launcher (%s is set) but libmpi.so.40 cannot be loaded: %s; install Open MPI "
                "(Debian: openmpi-bin), or set LABBOOK_MPI=0 to run without MPI", variable, first);
            return -1;
        }
    }
    int missing = 0;
    mpi.error_string = symbol("MPI_Error_string", library, &missing, message, message_size);
    mpi.init_thread = symbol("MPI_Init_thread", library, &missing, message, message_size);
    mpi.comm_set_errhandler = symbol("MPI_Comm_set_errhandler", library, &missing, message, message_size);
    mpi.comm_rank = symbol("MPI_Comm_rank", library, &missing, message, message_size);
    mpi.comm_size = symbol("MPI_Comm_size", library, &missing, message, message_size);
    mpi.allgatherv = symbol("MPI_Allgatherv", library, &missing, message, message_size);
    mpi.alltoallv = symbol("MPI_Alltoallv", library, &missing, message, message_size);
    mpi.barrier = symbol("MPI_Barrier", library, &missing, message, message_size);
    mpi.isend = symbol("MPI_Isend", library, &missing, message, message_size);
    mpi.test = symbol("MPI_Test", library, &missing, message, message_size);
    mpi.iprobe = symbol("MPI_Iprobe", library, &missing, message, message_size);
    mpi.get_count = symbol("MPI_Get_count", library, &missing, message, message_size);
    mpi.irecv = symbol("MPI_Irecv", library, &missing, message, message_size);
    mpi.abort = symbol("MPI_Abort", library, &missing, message, message_size);
    mpi.finalize = symbol("MPI_Finalize", library, &missing, message, message_size);
    ompi_handle comm_world = symbol("ompi_mpi_comm_world", library, &missing, message, message_size);
    ompi_handle errors_return = symbol("ompi_mpi_errors_return", library, &missing, message, message_size);
    mpi.byte = symbol("ompi_mpi_byte", library, &missing, message, message_size);
    if (missing) return -1;

    int provided = 0;
    if (check(mpi.init_thread(NULL, NULL, OMPI_THREAD_FUNNELED, &provided), "MPI_Init_thread", message, message_size)) {
        return -1;
    }
    if (provided < OMPI_THREAD_FUNNELED) {
        say(message, message_size, "this MPI library cannot be called from a threaded program (MPI_THREAD_FUNNELED)");
        mpi.finalize();
        return -1;
    }
    // Errors return to LabBook, which reports them in its own words, instead of ending the job.
    if (check(mpi.comm_set_errhandler(comm_world, errors_return), "MPI_Comm_set_errhandler", message, message_size)) {
        return -1;
    }
    mpi.comm_world = comm_world;
    return 0;
}

int labbook_mpi_rank(int *rank, char *message, size_t message_size) {
    if (require_init(message, message_size)) return -1;
    return check(mpi.comm_rank(mpi.comm_world, rank), "MPI_Comm_rank", message, message_size);
}

int labbook_mpi_size(int *size, char *message, size_t message_size) {
    if (require_init(message, message_size)) return -1;
    return check(mpi.comm_size(mpi.comm_world, size), "MPI_Comm_size", message, message_size);
}

int labbook_mpi_allgatherv(const void *send, int send_count, void *receive, const int *counts,
                           const int *displacements, char *message, size_t message_size) {
    if (require_init(message, message_size)) return -1;
    return check(mpi.allgatherv(send, send_count, mpi.byte, receive, counts, displacements, mpi.byte, mpi.comm_world),
                 "MPI_Allgatherv", message, message_size);
}

int labbook_mpi_alltoallv(const void *send, const int *send_counts, const int *send_displacements,
                          void *receive, const int *receive_counts, const int *receive_displacements,
                          char *message, size_t message_size) {
    if (require_init(message, message_size)) return -1;
    return check(mpi.alltoallv(send, send_counts, send_displacements, mpi.byte, receive, receive_counts,
                               receive_displacements, mpi.byte, mpi.comm_world),
                 "MPI_Alltoallv", message, message_size);
}

int labbook_mpi_barrier(char *message, size_t message_size) {
    if (require_init(message, message_size)) return -1;
    return check(mpi.barrier(mpi.comm_world), "MPI_Barrier", message, message_size);
}

int labbook_mpi_isend(const void *bytes, int count, int destination, int tag, labbook_mpi_request *request,
                      char *message, size_t message_size) {
    if (require_init(message, message_size)) return -1;
    return check(mpi.isend(bytes, count, mpi.byte, destination, tag, mpi.comm_world, request),
                 "MPI_Isend", message, message_size);
}

int labbook_mpi_test(labbook_mpi_request *request, int *done, char *message, size_t message_size) {
    if (require_init(message, message_size)) return -1;
    return check(mpi.test(request, done, NULL), "MPI_Test", message, message_size);
}

int labbook_mpi_probe(int tag, int *arrived, int *source, int *count, char *message, size_t message_size) {
    if (require_init(message, message_size)) return -1;
    ompi_status status = {0};
    if (check(mpi.iprobe(OMPI_ANY_SOURCE, tag, mpi.comm_world, arrived, &status), "MPI_Iprobe", message, message_size)) {
        return -1;
    }
    if (!*arrived) return 0;
    *source = status.source;
    return check(mpi.get_count(&status, mpi.byte, count), "MPI_Get_count", message, message_size);
}

int labbook_mpi_irecv(void *bytes, int count, int source, int tag, labbook_mpi_request *request,
                      char *message, size_t message_size) {
    if (require_init(message, message_size)) return -1;
    return check(mpi.irecv(bytes, count, mpi.byte, source, tag, mpi.comm_world, request),
                 "MPI_Irecv", message, message_size);
}

void labbook_mpi_abort(int code) {
    if (mpi.comm_world != NULL) mpi.abort(mpi.comm_world, code);
    exit(code);
}

int labbook_mpi_finalize(char *message, size_t message_size) {
    if (require_init(message, message_size)) return -1;
    int code = mpi.finalize();
    mpi.comm_world = NULL;
    finalized = 1;
    return check(code, "MPI_Finalize", message, message_size);
}
