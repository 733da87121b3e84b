/* Private to net/: POSIX sockets on lwIP (altcp for TCP, the raw UDP API).
 * A socket is a kernel file (kern/file.h) whose priv is a struct
 * net_sock. lwIP's callbacks run from the event loop and only change the
 * socket's state and call kern_file_notify(); the system calls do the
 * rest, waiting in the loop when they must block. */
#ifndef NET_SOCK_H
#define NET_SOCK_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <lwip/altcp.h>
#include <lwip/ip_addr.h>
#include <lwip/udp.h>

#include <kern/file.h>

#define NET_UDP_QUEUE 64		/* datagrams kept for the reader */
#define NET_UDP_QUEUE_BYTES (256 * 1024) /* and their bytes at most */
/* Under heap pressure (net_heap_pressure()) each direction of a TCP
 * connection may hold at most its share (received: unread and out of
 * order; sent: unsent and unacknowledged): a quarter of the heap's limit
 * over the connections there are, and at least this much while a
 * quarter of the limit is free. More data from the peer is dropped,
 * sends wait. */
#define NET_TCP_SHARE (16 * 1024)

enum net_sock_state {
	NS_NEW,	       /* just made */
	NS_BOUND,      /* bound (TCP, before listen or connect) */
	NS_LISTEN,     /* accepting connections */
	NS_CONNECTING, /* SYN sent */
	NS_CONNECTED,  /* established (UDP: has a default peer) */
	NS_CLOSED,     /* the connection ended or failed */
};

struct net_dgram {
	struct pbuf *p;
	ip_addr_t addr;
	uint16_t port;
	struct net_dgram *next;
};

struct net_sock {
	int domain, type;
	enum net_sock_state state;
	struct kern_file *file;
	int err; /* pending error for SO_ERROR (positive errno) */
	int shut_rd, shut_wr;
	int nonblock_connect; /* a connect in progress was reported */
	int connect_failed;   /* the connection closed before it was made */
	/* options */
	int reuseaddr, keepalive, nodelay, v6only;
	int64_t rcvtimeo, sndtimeo; /* ns; -1: forever */
	/* TCP */
	struct altcp_pcb *pcb;
	struct pbuf *rx, *rx_tail; /* received, not yet read: the chains
				    * lwIP delivered, linked through next
				    * (tot_len covers each one's own chain
				    * only: rx_len counts) */
	size_t rx_len;		   /* bytes in rx */
	uint16_t rx_room;	   /* free bytes after rx_tail's data when
				    * it is a buffer of ours (small
				    * segments are gathered there) */
	int fin;		   /* the peer sent FIN */
	int mem_wait;		   /* a write failed for memory: not
				    * writable until data is acked or
				    * lwIP's poll timer runs */
	int pressed;		   /* not writable for memory pressure:
				    * lwIP's poll timer looks again */
	ip_addr_t peer;		   /* the peer, kept for accept */
	uint16_t peer_port;
	struct net_sock **acceptq; /* listening: connections not accepted */
	int qhead, qlen, backlog;
	/* UDP */
	struct udp_pcb *udp;
	struct net_dgram *dq, **dq_tail;
	int dqlen;
	size_t dqbytes; /* bytes of the datagrams in dq */
	uint64_t drops;
};

/* sockaddr <-> lwIP address, for domain (AF_INET or AF_INET6), in the
 * kernel's memory. IPv4 peers of AF_INET6 sockets appear as
 * ::ffff:a.b.c.d. 0 or -errno. */
int net_sockaddr_in(int domain, const struct sockaddr *sa, socklen_t len,
		    ip_addr_t *ip, uint16_t *port);
socklen_t net_sockaddr_out(int domain, const ip_addr_t *ip, uint16_t port,
			   struct sockaddr_storage *ss);

/* Copy up to n bytes of the pbuf chain p (following next) to dst, a
 * buffer checked as kern/uaccess.h says: the count, or -EFAULT. */
long net_pbuf_copy_out(const struct pbuf *p, void *dst, size_t n);

/* Fill the pbuf chain p with n bytes from src, checked likewise: 0 or
 * -EFAULT. */
int net_pbuf_copy_in(struct pbuf *p, const void *src, size_t n);

/* lwIP error to negative errno. */
int net_errno(err_t err);

/* TCP (sock_tcp.c) and UDP (sock_udp.c) behind the generic calls. */
int net_tcp_open(struct net_sock *s);
int net_tcp_bind(struct net_sock *s, const ip_addr_t *ip, uint16_t port);
int net_tcp_listen(struct net_sock *s, int backlog);
int net_tcp_accept(struct net_sock *s, struct net_sock **out);
/* Put c back at the head of listening socket s's queue (accept found no
 * free descriptor for it). */
void net_tcp_unaccept(struct net_sock *s, struct net_sock *c);
int net_tcp_connect(struct net_sock *s, const ip_addr_t *ip, uint16_t port);
ssize_t net_tcp_recv(struct net_sock *s, void *buf, size_t n, int flags);
ssize_t net_tcp_send(struct net_sock *s, const void *buf, size_t n, int flags);
int net_tcp_shutdown(struct net_sock *s, int how);
unsigned net_tcp_poll(struct net_sock *s);
void net_tcp_close(struct net_sock *s);
int net_tcp_addr(struct net_sock *s, int local, ip_addr_t *ip, uint16_t *port);
size_t net_tcp_readable(struct net_sock *s);
void net_tcp_options(struct net_sock *s);

int net_udp_open(struct net_sock *s);
int net_udp_bind(struct net_sock *s, const ip_addr_t *ip, uint16_t port);
int net_udp_connect(struct net_sock *s, const ip_addr_t *ip, uint16_t port);
ssize_t net_udp_recv(struct net_sock *s, void *buf, size_t n, int flags,
		     ip_addr_t *ip, uint16_t *port);
ssize_t net_udp_send(struct net_sock *s, const void *buf, size_t n,
		     const ip_addr_t *ip, uint16_t port);
unsigned net_udp_poll(struct net_sock *s);
void net_udp_close(struct net_sock *s);
int net_udp_addr(struct net_sock *s, int local, ip_addr_t *ip, uint16_t *port);
size_t net_udp_readable(struct net_sock *s);

/* Wait in the loop until s is ready for events or timeout (ns, -1:
 * forever): 0 when ready, -EAGAIN (non-blocking or timed out), -EINTR. */
int net_sock_wait(struct net_sock *s, unsigned events, int64_t timeout);

#endif
