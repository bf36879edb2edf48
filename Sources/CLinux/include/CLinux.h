#ifndef DBBENCH_CLINUX_H
#define DBBENCH_CLINUX_H

/* Linux headers that Swift's Glibc module does not export, and a thread-local slot for the loop that
   owns the current thread. */

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netdb.h>
#include <pthread.h>
#include <time.h>
#include <stdint.h>

/* epoll flags as plain integers (glibc declares them in an enum that Swift imports awkwardly). */
static const uint32_t CLINUX_EPOLLIN = EPOLLIN;
static const uint32_t CLINUX_EPOLLOUT = EPOLLOUT;
static const uint32_t CLINUX_EPOLLERR = EPOLLERR;
static const uint32_t CLINUX_EPOLLHUP = EPOLLHUP;
static const uint32_t CLINUX_EPOLLRDHUP = EPOLLRDHUP;
static const uint32_t CLINUX_EPOLLET = EPOLLET;

/* The I/O loop whose thread this is, or NULL on any other thread. */
void *clinux_current_loop(void);
void clinux_set_current_loop(void *loop);

/* Names the calling thread (at most 15 characters), as top, perf and gdb show it. */
void clinux_set_thread_name(const char *name);

/* Bytes waiting to be read on a socket (FIONREAD; ioctl is variadic, which Swift cannot call), or
   -1 with errno set. */
int clinux_unread_bytes(int fd);

/* The columns of the terminal `fd` is (TIOCGWINSZ), or 0 when it is none. */
int clinux_terminal_columns(int fd);

/* CLOCK_MONOTONIC in nanoseconds. */
static inline uint64_t clinux_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CLOCK_MONOTONIC_COARSE in nanoseconds: cheap, a few milliseconds of resolution. */
static inline uint64_t clinux_coarse_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif
