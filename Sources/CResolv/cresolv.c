// See cresolv.h. res_ninit/res_nquery/ns_initparse/ns_parserr from glibc's libresolv.
#include "cresolv.h"
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <string.h>

static int open_state(res_state state, const char *server, int port) {
    memset(state, 0, sizeof(*state));
    if (res_ninit(state) != 0) return -1;
    if (server != NULL) {
        struct sockaddr_in address;
        memset(&address, 0, sizeof(address));
        address.sin_family = AF_INET;
        address.sin_port = htons((unsigned short)(port > 0 ? port : 53));
        if (inet_pton(AF_INET, server, &address.sin_addr) != 1) {
            res_nclose(state);
            return -1;
        }
        state->nsaddr_list[0] = address;
        state->nscount = 1;
    }
    state->retrans = 2;
    state->retry = 2;
    return 0;
}

static int failure_code(res_state state) {
    switch (state->res_h_errno) {
    case HOST_NOT_FOUND: return TERN_DNS_NXDOMAIN;
    case NO_DATA: return TERN_DNS_NODATA;
    case TRY_AGAIN: return TERN_DNS_TEMPORARY;
    default: return TERN_DNS_PERMANENT;
    }
}

/// Runs one query; on success `message` is initialised for parsing.
static int query(const char *server, int port, const char *name, int type, unsigned char *answer, int size, ns_msg *message) {
    struct __res_state state;
    if (open_state(&state, server, port) != 0) return TERN_DNS_TEMPORARY;
    int length = res_nquery(&state, name, ns_c_in, type, answer, size);
    int result = length < 0 ? failure_code(&state) : 0;
    res_nclose(&state);
    if (result != 0) return result;
    if (ns_initparse(answer, length, message) != 0) return TERN_DNS_PERMANENT;
    return 0;
}

int tern_lookup_mx(const char *server, int port, const char *domain, tern_mx_record *out, int max) {
    unsigned char answer[NS_PACKETSZ * 16];
    ns_msg message;
    int result = query(server, port, domain, ns_t_mx, answer, sizeof(answer), &message);
    if (result != 0) return result;
    int count = 0;
    for (int index = 0; index < ns_msg_count(message, ns_s_an) && count < max; index++) {
        ns_rr record;
        if (ns_parserr(&message, ns_s_an, index, &record) != 0) return TERN_DNS_PERMANENT;
        if (ns_rr_type(record) != ns_t_mx || ns_rr_rdlen(record) < 3) continue;
        out[count].preference = ns_get16(ns_rr_rdata(record));
        if (ns_name_uncompress(ns_msg_base(message), ns_msg_end(message), ns_rr_rdata(record) + 2,
                               out[count].exchange, sizeof(out[count].exchange)) < 0) return TERN_DNS_PERMANENT;
        count++;
    }
    return count == 0 ? TERN_DNS_NODATA : count;
}

static int collect(const char *server, int port, const char *host, int type, tern_address_record *out, int max, int *count) {
    unsigned char answer[NS_PACKETSZ * 16];
    ns_msg message;
    int result = query(server, port, host, type, answer, sizeof(answer), &message);
    if (result != 0) return result;
    for (int index = 0; index < ns_msg_count(message, ns_s_an) && *count < max; index++) {
        ns_rr record;
        if (ns_parserr(&message, ns_s_an, index, &record) != 0) return TERN_DNS_PERMANENT;
        if (ns_rr_type(record) == ns_t_a && ns_rr_rdlen(record) == 4) {
            out[*count].family = AF_INET;
            memcpy(out[*count].address, ns_rr_rdata(record), 4);
            (*count)++;
        } else if (ns_rr_type(record) == ns_t_aaaa && ns_rr_rdlen(record) == 16) {
            out[*count].family = AF_INET6;
            memcpy(out[*count].address, ns_rr_rdata(record), 16);
            (*count)++;
        }
    }
    return 0;
}

int tern_lookup_addresses(const char *server, int port, const char *host, tern_address_record *out, int max) {
    int count = 0;
    int a = collect(server, port, host, ns_t_a, out, max, &count);
    if (a == TERN_DNS_NXDOMAIN || a == TERN_DNS_TEMPORARY) return a;
    int aaaa = collect(server, port, host, ns_t_aaaa, out, max, &count);
    if (count > 0) return count;
    if (aaaa == TERN_DNS_TEMPORARY) return aaaa;
    return TERN_DNS_NODATA;
}
