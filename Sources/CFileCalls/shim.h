// File calls of the C library that Swift's Glibc module leaves out: statfs(2), the type of
// a file system, and sync_file_range(2), starting a file's writeback without waiting (a
// GNU extension, hence _GNU_SOURCE).
#define _GNU_SOURCE 1
#include <fcntl.h>
#include <sys/vfs.h>
