#ifndef LABBOOK_CFILESYSTEM_H
#define LABBOOK_CFILESYSTEM_H

/// Swaps two paths in one atomic step (Linux's `renameat2` with `RENAME_EXCHANGE`): a reader sees
/// the one or the other at each name, never neither. Returns 0, or -1 with `errno` set (`EINVAL` or
/// `ENOSYS` where the file system or kernel can not exchange).
///
/// Swift's Glibc module does not declare `renameat2`, and `syscall` is variadic, which Swift can
/// not call; hence this one C function.
int labbook_exchange_paths(const char *first, const char *second);

#endif
