/* lwipopts.h of the host build of lwIP for the socket unit tests: the
 * guest's options (net/include/lwipopts.h, found next on the include
 * path) plus lwIP's loopback interface (127.0.0.1 and ::1), which the
 * guest has no use for and the tests drive every connection through.
 * The fuzz target (test/fuzz) does not use this file: it builds lwIP
 * with the guest's options exactly. */
#ifndef HOST_LWIPOPTS_H
#define HOST_LWIPOPTS_H

#include_next <lwipopts.h>

#undef LWIP_HAVE_LOOPIF
#undef LWIP_NETIF_LOOPBACK
#define LWIP_HAVE_LOOPIF 1
#define LWIP_NETIF_LOOPBACK 1

#endif
