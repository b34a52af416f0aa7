// zlib (Debian's zlib1g-dev): its crc32() computes the queue files' checksum.
#include <zlib.h>
