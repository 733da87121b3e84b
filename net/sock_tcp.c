/* TCP sockets on lwIP's altcp API (see sock.h). lwIP's callbacks only
 * record what happened and notify the socket's file; reads, writes,
 * accepts and connects happen in the system calls, which wait in the
 * event loop when they must block. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>

#include <lwip/altcp_tcp.h>
#include <lwip/mem.h>
#include <lwip/pbuf.h>
#include <lwip/priv/altcp_priv.h>
#include <lwip/tcp.h>

#include "sock.h"

#define MAX_BACKLOG 1024
#define KEEPALIVE_IDLE_MS 7200000 /* Linux's tcp_keepalive_time */
#define KEEPALIVE_INTVL_MS 75000
#define KEEPALIVE_CNT 9

static void notify(struct net_sock *s)
{
	if (s->file)
		kern_file_notify(s->file);
}

static err_t on_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *p,
		     err_t err)
{
	struct net_sock *s = arg;

	(void)err;
	if (!s || (p && s->shut_rd)) { /* closed or shut: drop the data */
		if (p) {
			altcp_recved(pcb, p->tot_len);
			pbuf_free(p);
		}
		return ERR_OK;
	}
	if (!p)
		s->fin = 1;
	else if (s->rx)
		pbuf_cat(s->rx, p);
	else
		s->rx = p;
	notify(s);
	return ERR_OK;
}

static err_t on_sent(void *arg, struct altcp_pcb *pcb, u16_t len)
{
	(void)pcb;
	(void)len;
	if (arg)
		notify(arg);
	return ERR_OK;
}

/* lwIP freed the pcb: the connection is gone. */
static void on_err(void *arg, err_t err)
{
	struct net_sock *s = arg;

	if (!s)
		return;
	s->pcb = NULL;
	if (s->state == NS_CONNECTING && err == ERR_RST)
		s->err = ECONNREFUSED;
	else if (s->state == NS_CONNECTING && err == ERR_ABRT)
		s->err = ETIMEDOUT;
	else
		s->err = -net_errno(err);
	s->state = NS_CLOSED;
	notify(s);
}

static err_t on_connected(void *arg, struct altcp_pcb *pcb, err_t err)
{
	struct net_sock *s = arg;

	(void)pcb;
	s->state = err == ERR_OK ? NS_CONNECTED : NS_CLOSED;
	if (err != ERR_OK)
		s->err = -net_errno(err);
	notify(s);
	return ERR_OK;
}

/* Callbacks of an open connection. */
static void hook(struct net_sock *s)
{
	altcp_arg(s->pcb, s);
	altcp_recv(s->pcb, on_recv);
	altcp_sent(s->pcb, on_sent);
	altcp_err(s->pcb, on_err);
}

void net_tcp_options(struct net_sock *s)
{
	if (!s->pcb || s->state == NS_LISTEN)
		return;
	if (s->nodelay)
		altcp_nagle_disable(s->pcb);
	else
		altcp_nagle_enable(s->pcb);
	if (s->keepalive)
		altcp_keepalive_enable(s->pcb, KEEPALIVE_IDLE_MS,
				       KEEPALIVE_INTVL_MS, KEEPALIVE_CNT);
	else
		altcp_keepalive_disable(s->pcb);
}

/* A new connection on a listening socket: queue it, or reset it when
 * the backlog is full. */
static err_t on_accept(void *arg, struct altcp_pcb *pcb, err_t err)
{
	struct net_sock *ls = arg, *c;

	if (err != ERR_OK || !pcb || !ls)
		return ERR_VAL;
	c = ls->qlen < ls->backlog ? mem_calloc(1, sizeof(*c)) : NULL;
	if (!c) {
		altcp_abort(pcb);
		return ERR_ABRT;
	}
	*c = (struct net_sock){ .domain = ls->domain,
				.type = SOCK_STREAM,
				.state = NS_CONNECTED,
				.pcb = pcb,
				.nodelay = ls->nodelay,
				.keepalive = ls->keepalive,
				.rcvtimeo = -1,
				.sndtimeo = -1 };
	hook(c);
	net_tcp_options(c);
	ls->acceptq[(ls->qhead + ls->qlen++) % ls->backlog] = c;
	notify(ls);
	return ERR_OK;
}

int net_tcp_open(struct net_sock *s)
{
	u8_t type = s->domain == AF_INET ? IPADDR_TYPE_V4 :
		    s->v6only		 ? IPADDR_TYPE_V6 :
					   IPADDR_TYPE_ANY;

	s->pcb = altcp_tcp_new_ip_type(type);
	if (!s->pcb)
		return -ENOMEM;
	hook(s);
	return 0;
}

/* The tcp_pcb under the default altcp allocator, for the few options
 * altcp does not pass through. */
static struct tcp_pcb *raw_pcb(struct net_sock *s)
{
	return s->pcb ? (struct tcp_pcb *)s->pcb->state : NULL;
}

int net_tcp_bind(struct net_sock *s, const ip_addr_t *ip, uint16_t port)
{
	err_t err;

	if (!s->pcb || s->state != NS_NEW)
		return -EINVAL;
	if (s->reuseaddr)
		ip_set_option(raw_pcb(s), SOF_REUSEADDR);
	err = altcp_bind(s->pcb, ip, port);
	if (err == ERR_OK)
		s->state = NS_BOUND;
	return net_errno(err);
}

int net_tcp_listen(struct net_sock *s, int backlog)
{
	struct altcp_pcb *lp;
	err_t err = ERR_OK;

	if (s->state == NS_LISTEN)
		return 0;
	if (s->state == NS_NEW) {
		int r = net_tcp_bind(s, IP_ANY_TYPE, 0);

		if (r)
			return r;
	}
	if (s->state != NS_BOUND)
		return -EINVAL;
	backlog = backlog < 1		? 1 :
		  backlog > MAX_BACKLOG ? MAX_BACKLOG :
					  backlog;
	s->acceptq = mem_calloc((mem_size_t)backlog, sizeof(*s->acceptq));
	if (!s->acceptq)
		return -ENOMEM;
	lp = altcp_listen_with_backlog_and_err(s->pcb, 255, &err);
	if (!lp) {
		mem_free(s->acceptq);
		s->acceptq = NULL;
		return net_errno(err);
	}
	s->pcb = lp;
	s->backlog = backlog;
	s->state = NS_LISTEN;
	altcp_arg(lp, s);
	altcp_accept(lp, on_accept);
	return 0;
}

int net_tcp_accept(struct net_sock *s, struct net_sock **out)
{
	int r;

	if (s->state != NS_LISTEN)
		return -EINVAL;
	while (!s->qlen)
		if ((r = net_sock_wait(s, POLLIN, s->rcvtimeo)))
			return r;
	*out = s->acceptq[s->qhead];
	s->qhead = (s->qhead + 1) % s->backlog;
	s->qlen--;
	return 0;
}

int net_tcp_connect(struct net_sock *s, const ip_addr_t *ip, uint16_t port)
{
	err_t err;
	int r;

	if (s->state == NS_CONNECTED)
		return -EISCONN;
	if (s->state == NS_CONNECTING)
		return s->nonblock_connect ? -EALREADY : -EINPROGRESS;
	if (s->state == NS_LISTEN || !s->pcb)
		return s->state == NS_CLOSED ? -EINVAL : -EISCONN;
	err = altcp_connect(s->pcb, ip, port, on_connected);
	if (err != ERR_OK)
		return net_errno(err);
	s->state = NS_CONNECTING;
	if (s->file && (s->file->flags & O_NONBLOCK)) {
		s->nonblock_connect = 1;
		return -EINPROGRESS;
	}
	while (s->state == NS_CONNECTING)
		if ((r = net_sock_wait(s, POLLOUT, s->sndtimeo)))
			return r == -EAGAIN ? -ETIMEDOUT : r;
	if (s->state == NS_CONNECTED)
		return 0;
	r = -s->err;
	s->err = 0;
	return r ? r : -ECONNREFUSED;
}

size_t net_tcp_readable(struct net_sock *s)
{
	return s->rx ? s->rx->tot_len - s->rx_off : 0;
}

/* Copy up to n received bytes; consume them unless peek. */
static size_t take(struct net_sock *s, void *buf, size_t n, int peek)
{
	size_t got = pbuf_copy_partial(
		s->rx, buf, (u16_t)(n > 0xffff ? 0xffff : n), s->rx_off);

	if (peek || !got)
		return got;
	s->rx = pbuf_free_header(s->rx, (u16_t)(s->rx_off + got));
	s->rx_off = 0;
	if (s->pcb)
		altcp_recved(s->pcb, (u16_t)got);
	return got;
}

ssize_t net_tcp_recv(struct net_sock *s, void *buf, size_t n, int flags)
{
	size_t got = 0;
	int r;

	if (s->state == NS_LISTEN || s->state == NS_NEW || s->state == NS_BOUND)
		return -ENOTCONN;
	while (got < n) {
		if (s->rx) {
			got += take(s, (char *)buf + got, n - got,
				    flags & MSG_PEEK);
			if (!(flags & MSG_WAITALL) || (flags & MSG_PEEK))
				break;
			continue;
		}
		if (got)
			break;
		if (s->err) {
			r = -s->err;
			s->err = 0;
			return r;
		}
		if (s->fin || s->shut_rd || s->state == NS_CLOSED)
			break;
		r = net_sock_wait(s, POLLIN,
				  (flags & MSG_DONTWAIT) ? 0 : s->rcvtimeo);
		if (r)
			return got ? (ssize_t)got : r;
	}
	return (ssize_t)got;
}

/* Space for more data in the send queue now. */
static size_t send_room(struct net_sock *s)
{
	if (!s->pcb || altcp_sndqueuelen(s->pcb) >= TCP_SND_QUEUELEN - 1)
		return 0;
	return altcp_sndbuf(s->pcb);
}

ssize_t net_tcp_send(struct net_sock *s, const void *buf, size_t n, int flags)
{
	size_t sent = 0;
	int r;

	if (s->state == NS_CONNECTING)
		return -EAGAIN;
	if (s->state != NS_CONNECTED && s->state != NS_CLOSED)
		return -ENOTCONN;
	while (sent < n) {
		size_t room;

		if (s->err && !sent) {
			r = -s->err;
			s->err = 0;
			return r;
		}
		if (s->shut_wr || !s->pcb)
			return sent ? (ssize_t)sent : -EPIPE;
		room = send_room(s);
		if (!room) {
			altcp_output(s->pcb);
			r = net_sock_wait(s, POLLOUT,
					  (flags & MSG_DONTWAIT) ? 0 :
								   s->sndtimeo);
			if (r)
				return sent ? (ssize_t)sent : r;
			continue;
		}
		if (room > n - sent)
			room = n - sent;
		if (room > 0xffff)
			room = 0xffff;
		if (altcp_write(s->pcb, (const char *)buf + sent, (u16_t)room,
				TCP_WRITE_FLAG_COPY |
					(sent + room < n ? TCP_WRITE_FLAG_MORE :
							   0)) != ERR_OK) {
			altcp_output(s->pcb);
			if ((r = net_sock_wait(s, POLLOUT, s->sndtimeo)))
				return sent ? (ssize_t)sent : r;
			continue;
		}
		sent += room;
	}
	if (s->pcb)
		altcp_output(s->pcb);
	return (ssize_t)sent;
}

int net_tcp_shutdown(struct net_sock *s, int how)
{
	int rd = how == SHUT_RD || how == SHUT_RDWR;
	int wr = how == SHUT_WR || how == SHUT_RDWR;

	if (s->state != NS_CONNECTED && s->state != NS_CLOSED)
		return -ENOTCONN;
	if (wr && !s->shut_wr && s->pcb)
		altcp_shutdown(s->pcb, 0, 1);
	s->shut_rd |= rd;
	s->shut_wr |= wr;
	notify(s);
	return 0;
}

unsigned net_tcp_poll(struct net_sock *s)
{
	unsigned m = 0;

	switch (s->state) {
	case NS_LISTEN:
		return s->qlen ? POLLIN : 0;
	case NS_NEW:
	case NS_BOUND:
		return POLLOUT | POLLHUP;
	case NS_CONNECTING:
		return 0;
	default:
		break;
	}
	if (s->rx || s->fin || s->shut_rd)
		m |= POLLIN;
	if (s->fin)
		m |= POLLRDHUP;
	if (s->state == NS_CONNECTED && !s->shut_wr && send_room(s))
		m |= POLLOUT;
	if (s->err)
		m |= POLLERR;
	if (s->state == NS_CLOSED || (s->fin && s->shut_wr))
		m |= POLLHUP | POLLIN;
	return m;
}

/* Let go of a connection: reset it if data was left unread (as Linux
 * does), else close it gracefully; lwIP finishes it on its own. */
static void release_pcb(struct net_sock *s)
{
	struct altcp_pcb *pcb = s->pcb;

	if (!pcb)
		return;
	altcp_arg(pcb, NULL);
	altcp_sent(pcb, NULL);
	s->pcb = NULL;
	if (s->rx || altcp_close(pcb) != ERR_OK)
		altcp_abort(pcb);
}

void net_tcp_close(struct net_sock *s)
{
	if (s->state == NS_LISTEN) {
		while (s->qlen) {
			struct net_sock *c = s->acceptq[s->qhead];

			s->qhead = (s->qhead + 1) % s->backlog;
			s->qlen--;
			if (c->pcb) {
				altcp_arg(c->pcb, NULL);
				altcp_abort(c->pcb);
			}
			if (c->rx)
				pbuf_free(c->rx);
			mem_free(c);
		}
		mem_free(s->acceptq);
		altcp_arg(s->pcb, NULL);
		altcp_close(s->pcb);
		s->pcb = NULL;
		return;
	}
	release_pcb(s);
	if (s->rx)
		pbuf_free(s->rx);
	s->rx = NULL;
}

int net_tcp_addr(struct net_sock *s, int local, ip_addr_t *ip, uint16_t *port)
{
	if (!s->pcb)
		return -EINVAL;
	return net_errno(altcp_get_tcp_addrinfo(s->pcb, local, ip, port));
}
