/* The net/ heap: the memory lwIP allocates (pbufs, PCBs, segments, all
 * its pools), a size-class allocator over the kernel's frames with a
 * limit set at boot. net_malloc/net_calloc/net_free are declared in
 * arch/cc.h, where lwIP sees them. */
#ifndef NET_HEAP_H
#define NET_HEAP_H

#include <stddef.h>

struct net_heap_stats {
	size_t limit;	 /* bytes the heap may take from the frames */
	size_t reserved; /* bytes it has taken */
	size_t in_use;	 /* bytes of blocks handed out (with headers) */
	size_t peak;	 /* the most in_use has been */
	size_t failures; /* allocations refused */
};

/* Start an empty heap that may take limit bytes of frames in all.
 * Frames are taken only as blocks are needed, and never from the
 * kernel's reserve or from memory promised to the service. Call once,
 * before any allocation (a second call forgets the first heap). */
void net_heap_init(size_t limit);

/* The counters so far. */
void net_heap_stats(struct net_heap_stats *st);

/* Whether the heap is under pressure: 0 while less than half its limit
 * is handed out, else the limit in bytes. Connections are then held to a
 * share each (net/sock_tcp.c), so that a few peers cannot take what the
 * rest need. */
size_t net_heap_pressure(void);

/* Bytes the heap may still hand out before its limit. */
size_t net_heap_left(void);

#endif
