#ifndef LABBOOK_CMPI_H
#define LABBOOK_CMPI_H

#include <stddef.h>

/// The few MPI calls LabBook makes, over Open MPI's library loaded at run time with `dlopen`, so
/// that building and running LabBook outside MPI needs no MPI at all. Swift can not call MPI
/// directly: Open MPI's `MPI_COMM_WORLD`, `MPI_BYTE` and `MPI_SUM` are macros over the addresses of
/// the library's globals, which Swift does not import.
///
/// Every call but `labbook_mpi_launched` and `labbook_mpi_abort` returns 0, or nonzero after
/// writing a one-line reason into `message` (`message_size` bytes, at least 300 for MPI's own
/// messages). These calls print nothing and exit nothing themselves: once `labbook_mpi_init` has
/// succeeded, MPI's errors on MPI_COMM_WORLD return to the caller instead of ending the job (only a
/// failing MPI_Init_thread is still Open MPI's to report and end). The calls after
/// `labbook_mpi_init` must come from the thread that made it (MPI_THREAD_FUNNELED).

/// 1 when an MPI launcher started this process (Open MPI's `mpirun` sets OMPI_COMM_WORLD_SIZE,
/// a PMIx launcher such as `srun --mpi=pmix` sets PMIX_RANK, a PMI one PMI_RANK) and LABBOOK_MPI
/// is not "0"; else 0. When 1, `variable` (if not NULL) points at the name of the variable seen.
int labbook_mpi_launched(const char **variable);

/// Loads libmpi.so.40 (else libmpi.so) and calls MPI_Init_thread, asking for MPI_THREAD_FUNNELED:
/// LabBook makes its MPI calls on one thread while its other threads compute.
int labbook_mpi_init(char *message, size_t message_size);

int labbook_mpi_rank(int *rank, char *message, size_t message_size);
int labbook_mpi_size(int *size, char *message, size_t message_size);

/// MPI_Allgatherv over MPI_COMM_WORLD on bytes: `counts[r]` bytes from rank r land at
/// `displacements[r]` in `receive`.
int labbook_mpi_allgatherv(const void *send, int send_count, void *receive, const int *counts,
                           const int *displacements, char *message, size_t message_size);

/// MPI_Alltoallv over MPI_COMM_WORLD on bytes.
int labbook_mpi_alltoallv(const void *send, const int *send_counts, const int *send_displacements,
                          void *receive, const int *receive_counts, const int *receive_displacements,
                          char *message, size_t message_size);

int labbook_mpi_barrier(char *message, size_t message_size);

/// An MPI_Request (a pointer in Open MPI), for a send that completes later.
typedef void *labbook_mpi_request;

/// MPI_Isend of `count` bytes to `destination` with `tag`; the bytes must stay unchanged and alive
/// until `labbook_mpi_test` reports the send done.
int labbook_mpi_isend(const void *bytes, int count, int destination, int tag, labbook_mpi_request *request,
                      char *message, size_t message_size);

/// MPI_Test: sets `done` to 1 when the send or receive is complete (its request is then freed), else 0.
int labbook_mpi_test(labbook_mpi_request *request, int *done, char *message, size_t message_size);

/// MPI_Irecv of `count` bytes from `source` with `tag` into `bytes`, which must stay alive until
/// `labbook_mpi_test` reports the receive done.
int labbook_mpi_irecv(void *bytes, int count, int source, int tag, labbook_mpi_request *request,
                      char *message, size_t message_size);

/// MPI_Iprobe from any rank: sets `arrived` to 1 when a message with `tag` is waiting, with its
/// sender in `source` and its length in bytes in `count`; else 0. Never blocks.
int labbook_mpi_probe(int tag, int *arrived, int *source, int *count, char *message, size_t message_size);

/// MPI_Abort on MPI_COMM_WORLD: the launcher ends every rank, this one with `code` (which exits
/// with `code` itself should MPI return, or not be initialized).
__attribute__((noreturn)) void labbook_mpi_abort(int code);

/// MPI_Finalize.
int labbook_mpi_finalize(char *message, size_t message_size);

#endif
