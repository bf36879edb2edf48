#include "CLinux.h"

static __thread void *current_loop = 0;

void *clinux_current_loop(void) { return current_loop; }
void clinux_set_current_loop(void *loop) { current_loop = loop; }
