#ifndef DBBENCH_CLIBPQ_SHIM_H
#define DBBENCH_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
