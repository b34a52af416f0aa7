// The C library's statfs(2) (not in Swift's Glibc module): the type of a file system.
#include <sys/vfs.h>
