/* lwIP's platform header for libos (x86_64, GCC, musl): byte order,
 * diagnostics and assertions through the kernel's log and panic, random
 * numbers from the kernel's pool, and the declarations of the port
 * functions that lwipopts.h names (the net/ heap, the core-touched hook,
 * the TCP initial sequence number). Included by every lwIP file. */
#ifndef NET_ARCH_CC_H
#define NET_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>

#ifndef BYTE_ORDER /* musl's <endian.h> may have said so already */
#define BYTE_ORDER LITTLE_ENDIAN
#endif

/* Byte swaps compile to one instruction. */
#define lwip_htons(x) ((uint16_t)__builtin_bswap16((uint16_t)(x)))
#define lwip_htonl(x) ((uint32_t)__builtin_bswap32((uint32_t)(x)))

/* Print one lwIP diagnostic line (printf-style) to the kernel log. */
void net_diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* An lwIP assertion failed: panic, naming the message and place. */
__attribute__((noreturn)) void net_assert_fail(const char *msg,
					       const char *file, int line);

#define LWIP_PLATFORM_DIAG(x) \
	do {                  \
		net_diag x;   \
	} while (0)
#define LWIP_PLATFORM_ASSERT(x) net_assert_fail(x, __FILE__, __LINE__)

/* 32 bits from the kernel's entropy pool (never blocks). */
uint32_t net_rand(void);
#define LWIP_RAND() net_rand()

/* A random initial sequence number for a new TCP connection. */
uint32_t net_tcp_isn(void);

/* lwIP's LWIP_HOOK_TCP_INPACKET_PCB (net/sock_tcp.c): a segment for
 * pcb whose data p carries; 0 to take it, nonzero to drop it (memory
 * pressure: the connection holds its share already, or the data is out
 * of order). */
struct tcp_pcb;
struct tcp_hdr;
struct pbuf;
int net_tcp_inpacket(struct tcp_pcb *pcb, const struct tcp_hdr *hdr,
		     const struct pbuf *p);

/* Segmentation offload (lwipopts.h, net/netif.c). The most bytes
 * tcp_write may put in one segment of pcb: a multiple of its MSS that
 * fits the current windows when its interface cuts segments, else the
 * MSS; never less than the last unsent segment and the room tcp_write
 * left in it (TCP_OVERSIZE), which tcp_write asserts fits. */
uint16_t net_tcp_seg_max(const struct tcp_pcb *pcb);

/* Whether IP may send packet p (its IP header first) of protocol proto
 * over IPv4 or IPv6 (v) longer than the MTU without fragmenting it (a TCP
 * packet on an interface that cuts segments). When it may not, and the
 * interface would have completed a TCP checksum, it is computed here,
 * before the fragments are made. */
struct netif;
int net_ip_seg_offload(struct netif *netif, int proto, int v,
		       struct pbuf *p);

/* lwIP's LWIP_HOOK_TCP_OUT_ADD_TCPOPTS: segment p of pcb goes out now;
 * its MSS is recorded for the interface. Returns opts. */
uint32_t *net_tcp_out_seg(struct pbuf *p, const struct tcp_pcb *pcb,
			  uint32_t *opts);

/* lwIP's state may have changed (any raw-API call): run its due timeouts
 * and recompute the next one at the end of the event loop's pass. */
void net_lwip_touched(void);

/* The net/ heap (net/heap.c), lwIP's mem_malloc and memp pools: malloc
 * semantics, 16-byte aligned; NULL when the heap's limit or the free RAM
 * is exhausted. */
void *net_malloc(size_t size);
void *net_calloc(size_t n, size_t size);
void net_free(void *p);

#endif
