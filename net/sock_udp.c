/* UDP sockets on lwIP's raw UDP API (see sock.h): received datagrams wait
 * in a queue bounded in datagrams and in bytes (NET_UDP_QUEUE,
 * NET_UDP_QUEUE_BYTES; beyond it they are dropped and counted) until the
 * service reads them. */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include <lwip/mem.h>
#include <lwip/pbuf.h>
#include <lwip/udp.h>

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

int net_udp_open(struct net_sock *s)
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

int net_udp_bind(struct net_sock *s, const ip_addr_t *ip, uint16_t port)
{
	if (s->reuseaddr)
		ip_set_option(s->udp, SOF_REUSEADDR);
	return net_errno(udp_bind(s->udp, ip, port));
}

int net_udp_connect(struct net_sock *s, const ip_addr_t *ip, uint16_t port)
{
	int r = net_errno(udp_connect(s->udp, ip, port));

	if (!r)
		s->state = NS_CONNECTED;
	return r;
}

size_t net_udp_readable(struct net_sock *s)
{
	return s->dq ? s->dq->p->tot_len : 0;
}

ssize_t net_udp_recv(struct net_sock *s, void *buf, size_t n, int flags,
		     ip_addr_t *ip, uint16_t *port)
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
	if (ip)
		*ip = d->addr;
	if (port)
		*port = d->port;
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

ssize_t net_udp_send(struct net_sock *s, const void *buf, size_t n,
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

unsigned net_udp_poll(struct net_sock *s)
{
	return (s->dq ? POLLIN : 0) | (s->shut_wr ? 0 : POLLOUT) |
	       (s->shut_rd ? POLLIN | POLLRDHUP : 0);
}

void net_udp_close(struct net_sock *s)
{
	while (s->dq) {
		struct net_dgram *d = s->dq;

		s->dq = d->next;
		pbuf_free(d->p);
		mem_free(d);
	}
	udp_remove(s->udp);
	s->udp = NULL;
}

int net_udp_addr(struct net_sock *s, int local, ip_addr_t *ip, uint16_t *port)
{
	*ip = local ? s->udp->local_ip : s->udp->remote_ip;
	*port = local ? s->udp->local_port : s->udp->remote_port;
	return 0;
}
