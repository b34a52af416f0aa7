// MX and address lookups through the C library's resolver (res_nquery(3) and the ns_*
// parser of libresolv), with an optional name server of the caller's choice, so tests
// can point Tern at their own DNS server. Thread-safe: every call has its own res_state.
#ifndef TERN_CRESOLV_H
#define TERN_CRESOLV_H

/// Results below zero.
enum {
    TERN_DNS_NXDOMAIN = -1,   // the name does not exist (HOST_NOT_FOUND)
    TERN_DNS_NODATA = -2,     // the name exists, with no record of that type
    TERN_DNS_TEMPORARY = -3,  // try again later (TRY_AGAIN, timeouts)
    TERN_DNS_PERMANENT = -4,  // any other failure (NO_RECOVERY, malformed answers)
};

typedef struct {
    unsigned short preference;
    char exchange[256];
} tern_mx_record;

typedef struct {
    int family;               // AF_INET or AF_INET6
    unsigned char address[16];
} tern_address_record;

/// MX records of `domain`: the count stored in `out` (at most `max`), or a TERN_DNS_ code.
/// `server` is an IPv4 address ("127.0.0.1") or NULL for /etc/resolv.conf; `port` 0 means 53.
int tern_lookup_mx(const char *server, int port, const char *domain, tern_mx_record *out, int max);

/// A records, then AAAA records, of `host`: the count stored, or a TERN_DNS_ code
/// (NODATA when neither type exists).
int tern_lookup_addresses(const char *server, int port, const char *host, tern_address_record *out, int max);

#endif
