#define _GNU_SOURCE
#include <pthread.h>
#include <sys/ioctl.h>
#include "CLinux.h"

static __thread void *current_loop = 0;

void *clinux_current_loop(void) { return current_loop; }
void clinux_set_current_loop(void *loop) { current_loop = loop; }

void clinux_set_thread_name(const char *name) { (void)pthread_setname_np(pthread_self(), name); }

int clinux_unread_bytes(int fd) {
    int count = 0;
    return ioctl(fd, FIONREAD, &count) == 0 ? count : -1;
}

int clinux_terminal_columns(int fd) {
    struct winsize size;
    return ioctl(fd, TIOCGWINSZ, &size) == 0 ? size.ws_col : 0;
}
