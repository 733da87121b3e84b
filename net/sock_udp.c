/* UDP sockets on lwIP's raw UDP API: net_udp_proto, the operations the
 * socket calls reach them by (see sock.h). Received datagrams wait in a
 * queue bounded in datagrams and in bytes (NET_UDP_QUEUE,
 * NET_UDP_QUEUE_BYTES; beyond it they are dropped and counted) until the
 * service reads them. The control block is made when first needed, so
 * that IPV6_V6ONLY set before then shapes it. */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/uio.h>

#include <lwip/mem.h>
#include <lwip/pbuf.h>
#include <lwip/udp.h>

#include <kern/uaccess.h>

#include "sock.h"

static void on_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p,
		    const ip_addr_t *addr, u16_t port)
{
	struct net_sock *s = arg;
	struct net_dgram *d;

	(void)pcb;
	if (s->dqlen >= NET_UDP_QUEUE ||
	    s->dqbytes + p->tot_len > NET_UDP_QUEUE_BYTES || s->shut_rd ||
	    !(d = mem_malloc(sizeof(*d)))) {
		s->drops++;
		pbuf_free(p);
		return;
	}
	*d = (struct net_dgram){ p, *addr, port, NULL };
	*s->dq_tail = d;
	s->dq_tail = &d->next;
	s->dqlen++;
	s->dqbytes += p->tot_len;
	if (s->file)
		kern_file_notify(s->file);
}

static int dgram_new(struct net_sock *s)
{
	u8_t type = s->domain == AF_INET ? IPADDR_TYPE_V4 :
		    s->v6only		 ? IPADDR_TYPE_V6 :
					   IPADDR_TYPE_ANY;

	s->udp = udp_new_ip_type(type);
	if (!s->udp)
		return -ENOMEM;
	s->dq_tail = &s->dq;
	udp_recv(s->udp, on_recv, s);
	return 0;
}

static int dgram_open(struct net_sock *s)
{
	return s->udp ? 0 : dgram_new(s);
}

static int dgram_bind(struct net_sock *s, const ip_addr_t *ip, uint16_t port)
{
	if (s->reuseaddr)
		ip_set_option(s->udp, SOF_REUSEADDR);
	return net_errno(udp_bind(s->udp, ip, port));
}

static int dgram_connect(struct net_sock *s, const ip_addr_t *ip, uint16_t port)
{
	int r = net_errno(udp_connect(s->udp, ip, port));

	if (!r)
		s->state = NS_CONNECTED;
	return r;
}

static size_t dgram_readable(struct net_sock *s)
{
	return s->dq ? s->dq->p->tot_len : 0;
}

/* Take the next datagram (waiting for one), as the recv operation
 * says, with s's control block made. */
static ssize_t take(struct net_sock *s, void *buf, size_t n, int flags,
		    struct net_peer *from)
{
	struct net_dgram *d;
	size_t len;
	int r;

	while (!s->dq) {
		if (s->shut_rd)
			return 0;
		r = net_sock_wait(s, POLLIN,
				  (flags & MSG_DONTWAIT) ? 0 : s->rcvtimeo);
		if (r)
			return r;
	}
	d = s->dq;
	r = (int)net_pbuf_copy_out(d->p, buf, n > 0xffff ? 0xffff : n);
	if (r < 0)
		return r; /* the datagram stays queued */
	len = (size_t)r;
	if (from)
		*from = (struct net_peer){ d->addr, d->port, 1 };
	if (flags & MSG_TRUNC)
		len = d->p->tot_len;
	if (flags & MSG_PEEK)
		return (ssize_t)len;
	s->dq = d->next;
	if (!s->dq)
		s->dq_tail = &s->dq;
	s->dqlen--;
	s->dqbytes -= d->p->tot_len;
	pbuf_free(d->p);
	mem_free(d);
	return (ssize_t)len;
}

static ssize_t dgram_recv(struct net_sock *s, void *buf, size_t n, int flags,
			  struct net_peer *from)
{
	if (dgram_open(s))
		return -ENOMEM;
	return take(s, buf, n, flags, from);
}

/* Send n bytes of buf as one datagram to ip, port, or (ip NULL) the
 * connected peer. */
static ssize_t send_dgram(struct net_sock *s, const void *buf, size_t n,
			  const ip_addr_t *ip, uint16_t port)
{
	struct pbuf *p;
	err_t err;

	if (s->shut_wr)
		return -EPIPE;
	if (!ip && s->state != NS_CONNECTED)
		return -EDESTADDRREQ;
	if (n > 65507)
		return -EMSGSIZE;
	p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)n, PBUF_RAM);
	if (!p)
		return -ENOBUFS;
	if (net_pbuf_copy_in(p, buf, n)) {
		pbuf_free(p);
		return -EFAULT;
	}
	err = ip ? udp_sendto(s->udp, p, ip, port) : udp_send(s->udp, p);
	pbuf_free(p);
	return err == ERR_OK ? (ssize_t)n : net_errno(err);
}

static ssize_t dgram_send(struct net_sock *s, const void *buf, size_t n,
			  int flags, const struct sockaddr *to, socklen_t tolen)
{
	ip_addr_t ip;
	uint16_t port;
	int err;

	(void)flags; /* a datagram goes out at once or not at all */
	if ((err = dgram_open(s)))
		return err;
	if (!to)
		return send_dgram(s, buf, n, NULL, 0);
	if ((err = net_sockaddr_in(s->domain, to, tolen, &ip, &port)))
		return err;
	return send_dgram(s, buf, n, &ip, port);
}

/* sendmsg: m's segments gathered into one datagram. */
static ssize_t dgram_sendmsg(struct net_sock *s, const struct msghdr *m,
			     size_t total, int flags)
{
	size_t off = 0;

	if (total > NET_BOUNCE)
		return -EMSGSIZE;
	for (size_t i = 0; i < (size_t)m->msg_iovlen; i++) {
		if (kern_copy_safe(net_bounce + off, m->msg_iov[i].iov_base,
				   m->msg_iov[i].iov_len))
			return -EFAULT;
		off += m->msg_iov[i].iov_len;
	}
	return dgram_send(s, net_bounce, total, flags, m->msg_name,
			  m->msg_namelen);
}

static int dgram_shutdown(struct net_sock *s, int how)
{
	s->shut_rd |= how != SHUT_WR;
	s->shut_wr |= how != SHUT_RD;
	kern_file_notify(s->file);
	return 0;
}

static unsigned dgram_poll(struct net_sock *s)
{
	if (!s->udp)
		return POLLOUT;
	return (s->dq ? POLLIN : 0) | (s->shut_wr ? 0 : POLLOUT) |
	       (s->shut_rd ? POLLIN | POLLRDHUP : 0);
}

static void dgram_close(struct net_sock *s)
{
	if (!s->udp)
		return;
	while (s->dq) {
		struct net_dgram *d = s->dq;

		s->dq = d->next;
		pbuf_free(d->p);
		mem_free(d);
	}
	udp_remove(s->udp);
	s->udp = NULL;
}

static int dgram_addr(struct net_sock *s, int local, ip_addr_t *ip,
		      uint16_t *port)
{
	if (!s->udp) {
		*ip = *IP_ANY_TYPE;
		*port = 0;
		return 0;
	}
	*ip = local ? s->udp->local_ip : s->udp->remote_ip;
	*port = local ? s->udp->local_port : s->udp->remote_port;
	return 0;
}

const struct net_proto_ops net_udp_proto = {
	.type = SOCK_DGRAM,
	.proto = IPPROTO_UDP,
	.rcvbuf = 0xffff, /* one datagram */
	.sndbuf = 0xffff,
	.open = dgram_open,
	.bind = dgram_bind,
	.connect = dgram_connect,
	.send = dgram_send,
	.sendmsg = dgram_sendmsg,
	.recv = dgram_recv,
	.shutdown = dgram_shutdown,
	.poll = dgram_poll,
	.readable = dgram_readable,
	.addr = dgram_addr,
	.close = dgram_close,
};
