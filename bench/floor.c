// The floor of bench.py: about the least work an SMTP server can do to put each message
// durably into a Maildir. One process, 16 threads blocked in accept(2), no queue, no
// second process, no parsing beyond line ends and the end-of-data line (RFC 5321 §4.5.2
// dot-unstuffing included); each message is written to tmp/, fsynced, linked into new/,
// and new/ fsynced before the 250. That is one directory fsync per message, where Tern
// shares one per batch of deliveries and Postfix does none; the file fsync is the same
// for all three. What it costs per message is mostly the kernel's part of SMTP over
// loopback TCP and of a durable Maildir delivery on this machine.
//
//   floor PORT MAILDIR     listens on 127.0.0.1:PORT; MAILDIR gets tmp/, new/ and cur/
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum { THREADS = 16, INPUT = 1 << 17 };

static int listener, tmp_dir, new_dir;
static atomic_ulong delivered;

struct connection {
    int fd;
    char input[INPUT];
    size_t have, used;
};

// The next line (CRLF or LF included) into *line and *length; 0 at EOF, on an error, or
// for a line longer than the input buffer.
static int next_line(struct connection *c, char **line, size_t *length) {
    for (;;) {
        char *end = memchr(c->input + c->used, '\n', c->have - c->used);
        if (end) {
            *line = c->input + c->used;
            *length = (size_t)(end + 1 - *line);
            c->used += *length;
            return 1;
        }
        memmove(c->input, c->input + c->used, c->have - c->used);
        c->have -= c->used;
        c->used = 0;
        if (c->have == sizeof c->input) return 0;
        ssize_t count = read(c->fd, c->input + c->have, sizeof c->input - c->have);
        if (count <= 0) return 0;
        c->have += (size_t)count;
    }
}

static void reply(int fd, const char *text) {
    if (write(fd, text, strlen(text)) < 0) return;
}

static int is_verb(const char *line, size_t length, const char *verb) {
    return length >= 4 && strncasecmp(line, verb, 4) == 0;
}

// Writes `size` octets of `content` into the Maildir durably; 0 on success.
static int deliver(const char *content, size_t size) {
    char name[64];
    snprintf(name, sizeof name, "%ld.%lu.floor", (long)time(NULL), atomic_fetch_add(&delivered, 1));
    int file = openat(tmp_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (file < 0) return -1;
    int failed = write(file, content, size) != (ssize_t)size || fsync(file) != 0;
    failed |= close(file) != 0;
    if (failed || linkat(tmp_dir, name, new_dir, name, 0) != 0) return -1;
    unlinkat(tmp_dir, name, 0);
    return fsync(new_dir);
}

static void serve(struct connection *c, char **message, size_t *capacity) {
    reply(c->fd, "220 floor ESMTP\r\n");
    char *line;
    size_t length;
    while (next_line(c, &line, &length)) {
        if (is_verb(line, length, "DATA")) {
            reply(c->fd, "354 End data with <CR><LF>.<CR><LF>\r\n");
            size_t size = 0;
            int ended = 0;
            while (!ended && next_line(c, &line, &length)) {
                if (line[0] == '.' && (length == 2 || (length == 3 && line[1] == '\r'))) {
                    ended = 1;
                    break;
                }
                if (line[0] == '.') line++, length--;
                if (size + length > *capacity) {
                    *capacity = 2 * (size + length);
                    *message = realloc(*message, *capacity);
                    if (!*message) abort();
                }
                memcpy(*message + size, line, length);
                size += length;
            }
            if (!ended) return;
            reply(c->fd, deliver(*message, size) == 0 ? "250 2.0.0 Ok\r\n" : "451 4.3.0 not written\r\n");
        } else if (is_verb(line, length, "QUIT")) {
            reply(c->fd, "221 2.0.0 Bye\r\n");
            return;
        } else if (is_verb(line, length, "EHLO") || is_verb(line, length, "HELO")) {
            reply(c->fd, "250 floor\r\n");
        } else {
            reply(c->fd, "250 2.1.0 Ok\r\n");
        }
    }
}

static void *accept_loop(void *unused) {
    (void)unused;
    struct connection *c = malloc(sizeof *c);
    size_t capacity = 1 << 20;
    char *message = malloc(capacity);
    if (!c || !message) abort();
    for (;;) {
        c->fd = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
        if (c->fd < 0) continue;
        c->have = c->used = 0;
        serve(c, &message, &capacity);
        close(c->fd);
    }
    return NULL;
}

static int open_subdirectory(const char *maildir, const char *name) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", maildir, name);
    mkdir(path, 0700);
    return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: floor PORT MAILDIR\n");
        return 64;
    }
    mkdir(argv[2], 0700);
    tmp_dir = open_subdirectory(argv[2], "tmp");
    new_dir = open_subdirectory(argv[2], "new");
    close(open_subdirectory(argv[2], "cur"));
    if (tmp_dir < 0 || new_dir < 0) {
        perror(argv[2]);
        return 73;
    }
    listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int on = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1])),
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (bind(listener, (struct sockaddr *)&address, sizeof address) != 0 || listen(listener, SOMAXCONN) != 0) {
        perror("127.0.0.1");
        return 71;
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_t thread;
        if (pthread_create(&thread, NULL, accept_loop, NULL) != 0) return 71;
    }
    for (;;) pause();
}
