// The parts of libsystemd Tern uses: sd-daemon for socket activation and notify,
// sd-journal for structured logging and reading, sd-bus for unit states.
#ifndef TERN_CSYSTEMD_SHIM_H
#define TERN_CSYSTEMD_SHIM_H
#define SD_JOURNAL_SUPPRESS_LOCATION 1
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <systemd/sd-bus.h>
#include <sys/uio.h>
#include <sys/types.h>
#endif
