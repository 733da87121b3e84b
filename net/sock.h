/* Private to net/: POSIX sockets on lwIP (altcp for TCP, the raw UDP API).
 * A socket is a kernel file (kern/file.h) whose priv is a struct
 * net_sock. lwIP's callbacks run from the event loop and only change the
 * socket's state and call kern_file_notify(); the system calls do the
 * rest, waiting in the loop when they must block.
 *
 * Three parts, and calls go one way between them:
 *   socket.c, sockopt.c   the system calls: descriptors, the service's
 *                         pointers and addresses, the message calls; they
 *                         reach a protocol only through s->ops (a struct
 *                         net_proto_ops), chosen by socket() or accept
 *   sock_tcp.c, sock_udp.c the protocols: one net_proto_ops each
 *   sock_common.c          what the protocols use of the socket layer:
 *                         addresses, errors, copies, waits (below) */
#ifndef NET_SOCK_H
#define NET_SOCK_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <lwip/altcp.h>
#include <lwip/ip_addr.h>
#include <lwip/udp.h>

#include <kern/file.h>

#define NET_UDP_QUEUE 64		 /* datagrams kept for the reader */
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

struct net_proto_ops;

struct net_sock {
	const struct net_proto_ops *ops; /* its protocol */
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

/* An address and port as lwIP keeps them: an accepted connection's
 * peer, a datagram's sender. */
struct net_peer {
	ip_addr_t ip;
	uint16_t port;
	int named; /* recv: the protocol stored the sender here */
};

/* A protocol under the socket calls. socket.c has checked and copied the
 * service's arguments (buffers are the service's memory, checked for
 * access as kern/uaccess.h says; addresses and msghdrs are the kernel's
 * copies) and calls these; each returns what the system call returns
 * (a count, 0 or -errno) unless it says otherwise. Calls that block wait
 * with net_sock_wait. The ones marked "may be NULL" make the call
 * -EOPNOTSUPP (listen, accept), or do nothing. */
struct net_proto_ops {
	int type;	    /* socket()'s type: SOCK_STREAM, SOCK_DGRAM */
	int proto;	    /* and protocol: IPPROTO_TCP, IPPROTO_UDP */
	int rcvbuf, sndbuf; /* what SO_RCVBUF and SO_SNDBUF report */
	/* Make s's control block if it has none and may have one now, with
	 * the options that shape it (IPV6_V6ONLY): before bind, connect and
	 * listen. 0 or -ENOMEM. */
	int (*open)(struct net_sock *s);
	int (*bind)(struct net_sock *s, const ip_addr_t *ip, uint16_t port);
	int (*connect)(struct net_sock *s, const ip_addr_t *ip, uint16_t port);
	int (*listen)(struct net_sock *s, int backlog); /* may be NULL */
	/* Take the next connection (waiting for one): *out, not yet on a
	 * descriptor, and its peer in *peer. May be NULL (with unaccept). */
	int (*accept)(struct net_sock *s, struct net_sock **out,
		      struct net_peer *peer);
	/* Put c, from accept, back first in s's queue: there was no
	 * descriptor for it. */
	void (*unaccept)(struct net_sock *s, struct net_sock *c);
	/* Send n bytes of buf; to (tolen bytes) is sendto's destination or
	 * NULL. flags: MSG_DONTWAIT. */
	ssize_t (*send)(struct net_sock *s, const void *buf, size_t n,
			int flags, const struct sockaddr *to, socklen_t tolen);
	/* Send n bytes of kernel memory that stays valid and unchanged
	 * until the VM stops (kern/file.h's write_stable, for sendfile),
	 * referencing rather than copying them; as send otherwise. May be
	 * NULL: send is used. */
	ssize_t (*send_stable)(struct net_sock *s, const void *buf, size_t n);
	/* sendmsg and writev: m's segments (total bytes, checked: the sum
	 * fits) and its msg_name (a destination, or NULL). */
	ssize_t (*sendmsg)(struct net_sock *s, const struct msghdr *m,
			   size_t total, int flags);
	/* Receive up to n bytes into buf. flags: MSG_DONTWAIT, MSG_PEEK,
	 * MSG_WAITALL, MSG_TRUNC (a datagram's whole length is returned
	 * even if it did not fit; a stream ignores it). A protocol that
	 * knows each message's sender stores it in *from (if not NULL,
	 * with from->named cleared by the caller) and sets from->named. */
	ssize_t (*recv)(struct net_sock *s, void *buf, size_t n, int flags,
			struct net_peer *from);
	/* how: SHUT_RD, SHUT_WR or SHUT_RDWR (checked). */
	int (*shutdown)(struct net_sock *s, int how);
	/* s's readiness: POLLIN, POLLOUT, POLLERR, POLLHUP, POLLRDHUP. */
	unsigned (*poll)(struct net_sock *s);
	/* Bytes a read would return now (FIONREAD). */
	size_t (*readable)(struct net_sock *s);
	/* s's local (local) or peer address; the unspecified address and
	 * port 0 while s has no control block. */
	int (*addr)(struct net_sock *s, int local, ip_addr_t *ip,
		    uint16_t *port);
	/* setsockopt at a protocol's level: an option of this protocol set
	 * to the int v, 0; or -ENOPROTOOPT. May be NULL (it has none). */
	int (*setopt)(struct net_sock *s, int level, int opt, int v);
	/* SO_KEEPALIVE changed: apply s->keepalive. May be NULL. */
	void (*keepalive)(struct net_sock *s);
	/* The socket's file is released: free what s holds (not s). */
	void (*close)(struct net_sock *s);
};

extern const struct net_proto_ops net_tcp_proto; /* sock_tcp.c */
extern const struct net_proto_ops net_udp_proto; /* sock_udp.c */

/* ---- What the protocols use of the socket layer (sock_common.c). */

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

/* Wait in the loop until s is ready for events or timeout (ns, -1:
 * forever): 0 when ready, -EAGAIN (non-blocking or timed out), -EINTR. */
int net_sock_wait(struct net_sock *s, unsigned events, int64_t timeout);

/* One message's bytes, gathered from segments for a send or received to
 * be scattered over them, by one socket call at a time (one core; the
 * buffer is not kept across calls). */
#define NET_BOUNCE 65536
extern uint8_t net_bounce[NET_BOUNCE];

#endif
