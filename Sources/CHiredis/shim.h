#ifndef DBBENCH_CHIREDIS_SHIM_H
#define DBBENCH_CHIREDIS_SHIM_H
/* Only hiredis' reply reader is used: dbbench owns the socket and formats RESP itself. */
#include <hiredis/hiredis.h>
#include <hiredis/read.h>
#endif
