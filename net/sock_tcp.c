/* TCP sockets on lwIP's altcp API: net_tcp_proto, the operations the
 * socket calls reach them by (see sock.h). lwIP's callbacks only record
 * what happened and notify the socket's file; reads, writes, accepts and
 * connects happen in the system calls, which wait in the event loop when
 * they must block. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#undef TCP_MSS /* glibc's socket option (host builds); lwIP's is the MSS */
#include <poll.h>
#include <string.h>
#include <sys/uio.h>

#include <lwip/altcp_tcp.h>
#include <lwip/mem.h>
#include <lwip/pbuf.h>
#include <lwip/stats.h>
#include <lwip/priv/altcp_priv.h>
#include <lwip/priv/tcp_priv.h>
#include <lwip/tcp.h>

#include <kern/console.h>
#include <kern/uaccess.h>

#include "heap.h"
#include "sock.h"

#define MAX_BACKLOG 255		  /* lwIP counts a listener's backlog in a u8 */
#define SMALL_SEG 256		  /* segments up to this size are gathered */
#define GATHER_BUF 512		  /* into buffers of this size */
#define POLL_TICKS 2		  /* lwIP's poll callback every 2 x 500 ms */
#define KEEPALIVE_IDLE_MS 7200000 /* Linux's tcp_keepalive_time */
#define KEEPALIVE_INTVL_MS 75000
#define KEEPALIVE_CNT 9

/* The tcp_pcb under the default altcp allocator, for what altcp does not
 * pass through. */
static struct tcp_pcb *raw_pcb(struct net_sock *s)
{
	return s->pcb ? (struct tcp_pcb *)s->pcb->state : NULL;
}

static void notify(struct net_sock *s)
{
	if (s->file)
		kern_file_notify(s->file);
}

static uint64_t pressure_drops; /* segments dropped under pressure */

/* The socket of an established connection's pcb, or NULL (a half-open
 * one still carries its listener's argument). */
static struct net_sock *sock_of(const struct tcp_pcb *pcb)
{
	const struct altcp_pcb *a = pcb->callback_arg;

	if (pcb->state < ESTABLISHED || !a || a->state != pcb)
		return NULL;
	return a->arg;
}

/* Heap bytes a queued segment costs beyond its data (tcp_seg, pbuf
 * headers): a peer that asks for tiny segments pays for them. */
#define SEG_COST 160

/* Bytes the receive side of pcb holds: received out of order, and (with
 * its socket s) received but not read. */
static size_t held_rx(const struct tcp_pcb *pcb, const struct net_sock *s)
{
	size_t n = s ? s->rx_len : 0;

#if TCP_QUEUE_OOSEQ
	for (const struct tcp_seg *q = pcb->ooseq; q; q = q->next)
		n += q->p->tot_len + SEG_COST;
#endif
	return n;
}

/* Bytes the send side of pcb holds: sent but not acknowledged, or not
 * sent yet, with what its queued pbufs cost. */
static size_t held_tx(const struct tcp_pcb *pcb)
{
	return TCP_SND_BUF - pcb->snd_buf +
	       (size_t)pcb->snd_queuelen * SEG_COST;
}

/* What each direction of one connection may hold now: no limit
 * (SIZE_MAX) unless the heap is under pressure, else a quarter of its
 * limit over the connections there are; at least NET_TCP_SHARE while a
 * quarter of the limit is still free, so that many connections cannot
 * add up past it. */
static size_t share(void)
{
	size_t limit = net_heap_pressure(), n = 1, v;

#if MEMP_STATS
	n = lwip_stats.memp[MEMP_TCP_PCB]->used;
#endif
	if (!limit)
		return SIZE_MAX;
	v = limit / 4 / (n ? n : 1);
	if (v < NET_TCP_SHARE && net_heap_left() > limit / 4)
		v = NET_TCP_SHARE;
	return v;
}

int net_tcp_inpacket(struct tcp_pcb *pcb, const struct tcp_hdr *hdr,
		     const struct pbuf *p)
{
	/* tcp_input turned the header's numbers to host order already */
	u32_t end = hdr->seqno + p->tot_len;
	size_t max, rx;

	/* a segment of more than our MSS (merged by the host: large receive
	 * offload) is acknowledged at once, as Linux acknowledges two MSS of
	 * data; lwIP would wait for a second segment or its delayed-ACK
	 * timer, holding back a sender whose window is a few such segments */
	if (pcb->state >= ESTABLISHED && pcb->state != TIME_WAIT &&
	    p->tot_len > TCP_MSS)
		tcp_set_flags(pcb, TF_ACK_DELAY); /* lwIP's next ACK: now */
	if (!p->tot_len || pcb->state == LISTEN || pcb->state == TIME_WAIT ||
	    (max = share()) == SIZE_MAX)
		return 0;
	/* nothing new (a retransmission, a keep-alive) or a closed window
	 * (a window probe): lwIP keeps none of it and answers with an ACK */
	if (TCP_SEQ_LEQ(end, pcb->rcv_nxt) || !pcb->rcv_wnd)
		return 0;
	/* in order: the new bytes, within the share; a connection that holds
	 * nothing always gets one segment through */
	rx = held_rx(pcb, sock_of(pcb));
	if (TCP_SEQ_LEQ(hdr->seqno, pcb->rcv_nxt) &&
	    (!rx || rx + (end - pcb->rcv_nxt) <= max))
		return 0;
	if (!pressure_drops++)
		kern_info("net: memory pressure: each connection held to "
			  "its share of the heap");
	return 1;
}

/* Copy small chain p into the tail buffer of s's receive queue (a new
 * one if it has no room); p is freed. 0, or -1 without memory (p kept). */
static int gather(struct net_sock *s, struct pbuf *p)
{
	struct pbuf *t = s->rx_tail;

	if (s->rx_room < p->tot_len) {
		t = pbuf_alloc(PBUF_RAW, GATHER_BUF, PBUF_RAM);
		if (!t)
			return -1;
		t->len = t->tot_len = 0;
		s->rx_room = GATHER_BUF;
		if (s->rx_tail)
			s->rx_tail->next = t;
		else
			s->rx = t;
		s->rx_tail = t;
	}
	pbuf_copy_partial(p, (char *)t->payload + t->len, p->tot_len, 0);
	t->len += p->tot_len;
	t->tot_len += p->tot_len;
	s->rx_room -= p->tot_len;
	pbuf_free(p);
	return 0;
}

static struct pbuf *chain_last(struct pbuf *p)
{
	while (p->next)
		p = p->next;
	return p;
}

/* Append chain p to s's receive queue. Large segments are linked as they
 * are (no copy); small ones are gathered, so that a peer trickling tiny
 * segments cannot pin a frame buffer per byte. */
static void rx_append(struct net_sock *s, struct pbuf *p)
{
	s->rx_len += p->tot_len;
	if (p->tot_len <= SMALL_SEG && !gather(s, p))
		return;
	if (s->rx_tail)
		s->rx_tail->next = p;
	else
		s->rx = p;
	s->rx_tail = chain_last(p);
	s->rx_room = 0;
}

/* Whether our FIN went out and the peer's came in: TIME_WAIT, or
 * CLOSING (which becomes TIME_WAIT without a callback). */
static int both_closed(struct altcp_pcb *pcb)
{
	enum tcp_state st = ((struct tcp_pcb *)pcb->state)->state;

	return st == TIME_WAIT || st == CLOSING;
}

/* Both directions are closed: let lwIP finish on its own (TIME_WAIT
 * ends without a callback, so the pcb must be let go now). */
static err_t finished(struct net_sock *s)
{
	struct altcp_pcb *pcb = s->pcb;

	s->pcb = NULL;
	s->state = NS_CLOSED;
	altcp_arg(pcb, NULL);
	if (altcp_close(pcb) == ERR_OK)
		return ERR_OK;
	altcp_abort(pcb);
	return ERR_ABRT;
}

static err_t on_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *p,
		     err_t err)
{
	struct net_sock *s = arg;
	err_t r = ERR_OK;

	(void)err;
	if (!s || (p && s->shut_rd)) { /* closed or shut: drop the data */
		if (p) {
			altcp_recved(pcb, p->tot_len);
			pbuf_free(p);
		}
		return ERR_OK;
	}
	if (p) {
		rx_append(s, p);
	} else {
		s->fin = 1;
		if (s->shut_wr && both_closed(pcb))
			r = finished(s);
	}
	notify(s);
	return r;
}

static err_t on_sent(void *arg, struct altcp_pcb *pcb, u16_t len)
{
	struct net_sock *s = arg;

	(void)pcb;
	(void)len;
	if (s) {
		s->mem_wait = 0;
		notify(s);
	}
	return ERR_OK;
}

/* lwIP's periodic poll: a write that failed for memory, or waited for
 * memory pressure, may try again. */
static err_t on_poll(void *arg, struct altcp_pcb *pcb)
{
	struct net_sock *s = arg;

	(void)pcb;
	if (s && (s->mem_wait || s->pressed)) {
		s->mem_wait = s->pressed = 0;
		notify(s);
	}
	return ERR_OK;
}

/* lwIP freed the pcb: the connection is gone. */
static void on_err(void *arg, err_t err)
{
	struct net_sock *s = arg;

	if (!s)
		return;
	s->pcb = NULL;
	s->connect_failed = s->state == NS_CONNECTING;
	if (s->state == NS_CONNECTING && err == ERR_RST)
		s->err = ECONNREFUSED;
	else if (err == ERR_ABRT) /* retransmissions or keep-alives ran out */
		s->err = ETIMEDOUT;
	else if (err != ERR_CLSD) /* ERR_CLSD: our FIN was acked, all done */
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
	altcp_poll(s->pcb, on_poll, POLL_TICKS);
}

/* Apply s's TCP_NODELAY and SO_KEEPALIVE to its connection. */
static void apply_options(struct net_sock *s)
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

/* Throw away a connection that was never accepted: reset it if it is
 * still alive, free what it received and itself. */
static void discard(struct net_sock *c)
{
	if (c->pcb) {
		altcp_arg(c->pcb, NULL);
		altcp_abort(c->pcb);
	}
	if (c->rx)
		pbuf_free(c->rx);
	mem_free(c);
}

/* Free one queued connection that died before it was accepted (lwIP
 * gave its backlog place back), closing the gap in the queue. */
static void drop_dead(struct net_sock *ls)
{
	for (int i = 0; i < ls->qlen; i++) {
		struct net_sock *c = ls->acceptq[(ls->qhead + i) % ls->backlog];

		if (c->pcb)
			continue;
		for (; i + 1 < ls->qlen; i++)
			ls->acceptq[(ls->qhead + i) % ls->backlog] =
				ls->acceptq[(ls->qhead + i + 1) % ls->backlog];
		ls->qlen--;
		discard(c);
		return;
	}
}

/* A new connection on a listening socket: queue it. It stays counted in
 * the listener's backlog until accept() takes it (tcp_backlog_delayed),
 * so lwIP ignores SYNs while half-open plus queued connections fill the
 * backlog and the clients retry, as on Linux. Reset only if the queue is
 * full anyway (it cannot be) or memory is short. */
static err_t on_accept(void *arg, struct altcp_pcb *pcb, err_t err)
{
	struct net_sock *ls = arg, *c;

	if (err != ERR_OK || !ls) { /* lwIP ran out of memory for it */
		if (pcb)
			altcp_close(pcb); /* frees altcp's half */
		return ERR_VAL;
	}
	if (ls->qlen == ls->backlog)
		drop_dead(ls);
	c = ls->qlen < ls->backlog ? mem_calloc(1, sizeof(*c)) : NULL;
	if (!c) {
		altcp_abort(pcb);
		return ERR_ABRT;
	}
	*c = (struct net_sock){ .ops = &net_tcp_proto,
				.domain = ls->domain,
				.type = SOCK_STREAM,
				.state = NS_CONNECTED,
				.pcb = pcb,
				.nodelay = ls->nodelay,
				.keepalive = ls->keepalive,
				.rcvtimeo = -1,
				.sndtimeo = -1 };
	hook(c);
	apply_options(c);
	altcp_get_tcp_addrinfo(pcb, 0, &c->peer, &c->peer_port);
	tcp_backlog_delayed(raw_pcb(c));
	ls->acceptq[(ls->qhead + ls->qlen++) % ls->backlog] = c;
	notify(ls);
	return ERR_OK;
}

static int pcb_new(struct net_sock *s)
{
	u8_t type = s->domain == AF_INET ? IPADDR_TYPE_V4 :
		    s->v6only		 ? IPADDR_TYPE_V6 :
					   IPADDR_TYPE_ANY;

	s->pcb = altcp_tcp_new_ip_type(type);
	if (!s->pcb)
		return -ENOMEM;
	hook(s);
	apply_options(s); /* those set before the pcb existed */
	return 0;
}

/* A pcb for a new socket, or one whose connect failed (NS_NEW again). */
static int stream_open(struct net_sock *s)
{
	return s->pcb || s->state != NS_NEW ? 0 : pcb_new(s);
}

static int stream_bind(struct net_sock *s, const ip_addr_t *ip, uint16_t port)
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

static int stream_listen(struct net_sock *s, int backlog)
{
	struct altcp_pcb *lp;
	err_t err = ERR_OK;

	if (s->state == NS_LISTEN)
		return 0;
	if (s->state == NS_NEW) { /* any address of the socket's kind */
		int r = stream_bind(s,
				    s->domain == AF_INET ? IP4_ADDR_ANY :
				    s->v6only		 ? IP6_ADDR_ANY :
							   IP_ANY_TYPE,
				    0);

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
	lp = altcp_listen_with_backlog_and_err(s->pcb, (u8_t)backlog, &err);
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

static int stream_accept(struct net_sock *s, struct net_sock **out,
			 struct net_peer *peer)
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
	if ((*out)->pcb) /* its place in the backlog is free again */
		tcp_backlog_accepted(raw_pcb(*out));
	*peer = (struct net_peer){ (*out)->peer, (*out)->peer_port, 1 };
	return 0;
}

static void stream_unaccept(struct net_sock *s, struct net_sock *c)
{
	s->qhead = (s->qhead + s->backlog - 1) % s->backlog;
	s->acceptq[s->qhead] = c;
	s->qlen++;
	if (c->pcb)
		tcp_backlog_delayed(raw_pcb(c));
}

static int stream_connect(struct net_sock *s, const ip_addr_t *ip,
			  uint16_t port)
{
	err_t err;
	int r;

	if (s->state == NS_CONNECTED)
		return -EISCONN;
	if (s->state == NS_CONNECTING)
		return s->nonblock_connect ? -EALREADY : -EINPROGRESS;
	if (s->state == NS_CLOSED && s->connect_failed) {
		/* report the failure (unless SO_ERROR took it), then let a
		 * new connect start over with a new pcb, as Linux does */
		r = s->err ? -s->err : -ECONNABORTED;
		s->err = 0;
		s->connect_failed = 0;
		s->state = NS_NEW;
		return r;
	}
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
	while (s->state == NS_CONNECTING) {
		r = net_sock_wait(s, POLLOUT, s->sndtimeo);
		if (r) { /* interrupted or SO_SNDTIMEO: it goes on */
			s->nonblock_connect = 1;
			return r == -EAGAIN ? -EINPROGRESS : r;
		}
	}
	if (s->state == NS_CONNECTED)
		return 0;
	r = -s->err;
	s->err = 0;
	s->connect_failed = 0; /* reported: a new connect starts over */
	s->state = NS_NEW;
	return r ? r : -ECONNREFUSED;
}

static size_t stream_readable(struct net_sock *s)
{
	return s->rx_len;
}

/* Copy up to n received bytes; consume them unless peek. The count, or
 * -EFAULT (nothing consumed). */
static long take(struct net_sock *s, void *buf, size_t n, int peek)
{
	long got = net_pbuf_copy_out(s->rx, buf, n > 0xffff ? 0xffff : n);

	if (peek || got <= 0)
		return got;
	s->rx = pbuf_free_header(s->rx, (u16_t)got);
	s->rx_len -= got;
	if (!s->rx) {
		s->rx_tail = NULL;
		s->rx_room = 0;
	}
	if (s->pcb)
		altcp_recved(s->pcb, (u16_t)got);
	return got;
}

static ssize_t stream_recv(struct net_sock *s, void *buf, size_t n, int flags,
			   struct net_peer *from)
{
	size_t got = 0;
	int r;

	(void)from; /* a stream has no senders */
	if (s->state == NS_LISTEN || s->state == NS_NEW || s->state == NS_BOUND)
		return -ENOTCONN;
	while (got < n) {
		if (s->rx) {
			long k = take(s, (char *)buf + got, n - got,
				      flags & MSG_PEEK);

			if (k < 0)
				return got ? (ssize_t)got : k;
			got += (size_t)k;
			if (!(flags & MSG_WAITALL) || (flags & MSG_PEEK))
				break;
			continue;
		}
		if (s->err) {
			if (got)
				break;
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

/* The segment size tcp_write cuts data into: the MSS, or half the
 * largest window the peer offered if that is smaller (tcp_out.c). */
static size_t seg_size(struct net_sock *s)
{
	size_t mss = altcp_mss(s->pcb), half = raw_pcb(s)->snd_wnd_max / 2;

	mss = half && half < mss ? half : mss;
	return mss ? mss : 1;
}

/* Space for more data in the send queue now, for writes whose segments
 * take per_seg entries (pbufs) of the queue each: 1 when lwIP copies the
 * bytes, 2 when it references them (a header pbuf and a PBUF_ROM one).
 * The send buffer, and the segments tcp_write may still queue (keeping
 * two entries for one that tops up the last segment); under memory
 * pressure, what is left of the connection's share. */
static size_t send_room_for(struct net_sock *s, size_t per_seg)
{
	size_t segs, room, h, max;

	if (!s->pcb || s->mem_wait)
		return 0;
	segs = altcp_sndqueuelen(s->pcb);
	if (segs + 2 >= TCP_SND_QUEUELEN)
		return 0;
	room = (TCP_SND_QUEUELEN - segs - 2) / per_seg * seg_size(s);
	if (!room)
		return 0;
	if (room > altcp_sndbuf(s->pcb))
		room = altcp_sndbuf(s->pcb);
	if ((max = share()) == SIZE_MAX)
		return room;
	h = held_tx(raw_pcb(s));
	if (h >= max) {
		s->pressed = 1;
		return 0;
	}
	return room < max - h ? room : max - h;
}

/* Space for more copied data in the send queue now (send_room_for). */
static size_t send_room(struct net_sock *s)
{
	return send_room_for(s, 1);
}

/* Send n bytes of buf on s's connection, waiting for room. Bytes that
 * stay valid and unchanged until the VM stops (stable) are referenced by
 * lwIP's segments; others are copied. */
static ssize_t send_bytes(struct net_sock *s, const void *buf, size_t n,
			  int flags, int stable)
{
	/* lwIP copies with its own memcpy: the bytes come here first, with
	 * a copy that fails cleanly on a bad address (one core, no reentry) */
	static uint8_t chunk[0xffff];
	const void *src;
	int64_t timeout = (flags & MSG_DONTWAIT) ? 0 : s->sndtimeo;
	size_t sent = 0;
	int r;

	while (s->state == NS_CONNECTING) /* a blocking send waits for it */
		if ((r = net_sock_wait(s, POLLOUT, timeout)))
			return r;
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
		room = send_room_for(s, stable ? 2 : 1);
		if (!room) {
			altcp_output(s->pcb);
			if ((r = net_sock_wait(s, POLLOUT, timeout)))
				return sent ? (ssize_t)sent : r;
			continue;
		}
		if (room > n - sent)
			room = n - sent;
		if (room > sizeof(chunk))
			room = sizeof(chunk);
		src = (const char *)buf + sent;
		if (!stable && kern_copy_safe(chunk, src, room))
			return sent ? (ssize_t)sent : -EFAULT;
		if (altcp_write(s->pcb, stable ? src : chunk, (u16_t)room,
				(stable ? 0 : TCP_WRITE_FLAG_COPY) |
					(sent + room < n ? TCP_WRITE_FLAG_MORE :
							   0)) != ERR_OK) {
			s->mem_wait = 1; /* out of memory: wait for acks */
			altcp_output(s->pcb);
			if ((r = net_sock_wait(s, POLLOUT, timeout)))
				return sent ? (ssize_t)sent : r;
			continue;
		}
		sent += room;
	}
	if (s->pcb)
		altcp_output(s->pcb);
	return (ssize_t)sent;
}

/* send, sendto: a destination is refused once connected, else ignored. */
static ssize_t stream_send(struct net_sock *s, const void *buf, size_t n,
			   int flags, const struct sockaddr *to,
			   socklen_t tolen)
{
	(void)tolen;
	if (to && s->state == NS_CONNECTED)
		return -EISCONN;
	return send_bytes(s, buf, n, flags, 0);
}

/* sendfile's stable bytes: referenced by the segments, never copied
 * (lwIP's PBUF_ROM), with write's waits and partial counts. */
static ssize_t stream_send_stable(struct net_sock *s, const void *buf, size_t n)
{
	return send_bytes(s, buf, n, 0, 1);
}

/* sendmsg: the segments in turn, up to a short send; msg_name is
 * ignored. */
static ssize_t stream_sendmsg(struct net_sock *s, const struct msghdr *m,
			      size_t total, int flags)
{
	ssize_t sent = 0;

	(void)total;
	for (size_t i = 0; i < (size_t)m->msg_iovlen; i++) {
		ssize_t r = send_bytes(s, m->msg_iov[i].iov_base,
				       m->msg_iov[i].iov_len, flags, 0);

		if (r < 0)
			return sent ? sent : r;
		sent += r;
		if ((size_t)r < m->msg_iov[i].iov_len)
			break;
	}
	return sent;
}

static int stream_shutdown(struct net_sock *s, int how)
{
	int rd = how == SHUT_RD || how == SHUT_RDWR;
	int wr = how == SHUT_WR || how == SHUT_RDWR;

	if (s->state != NS_CONNECTED)
		return -ENOTCONN;
	if (wr && !s->shut_wr && s->pcb)
		altcp_shutdown(s->pcb, 0, 1);
	s->shut_rd |= rd;
	s->shut_wr |= wr;
	notify(s);
	return 0;
}

static unsigned stream_poll(struct net_sock *s)
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
	/* as Linux: a direction that is shut reads as ready (read gives 0,
	 * write EPIPE); both shut, or the connection gone, is a hang-up */
	int rd_done = s->fin || s->shut_rd || s->state == NS_CLOSED;
	int wr_done = s->shut_wr || s->state == NS_CLOSED;

	if (s->rx || rd_done)
		m |= POLLIN;
	if (rd_done)
		m |= POLLRDHUP;
	if (wr_done || send_room(s))
		m |= POLLOUT;
	if (s->err)
		m |= POLLERR;
	if (rd_done && wr_done)
		m |= POLLHUP;
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

static void stream_close(struct net_sock *s)
{
	if (s->state == NS_LISTEN) {
		while (s->qlen) {
			struct net_sock *c = s->acceptq[s->qhead];

			s->qhead = (s->qhead + 1) % s->backlog;
			s->qlen--;
			discard(c);
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
	s->rx = s->rx_tail = NULL;
	s->rx_len = 0;
}

static int stream_addr(struct net_sock *s, int local, ip_addr_t *ip,
		       uint16_t *port)
{
	if (!s->pcb) {
		*ip = *IP_ANY_TYPE;
		*port = 0;
		return 0;
	}
	return net_errno(altcp_get_tcp_addrinfo(s->pcb, local, ip, port));
}

static int stream_setopt(struct net_sock *s, int level, int opt, int v)
{
	if (level != IPPROTO_TCP || opt != TCP_NODELAY)
		return -ENOPROTOOPT;
	s->nodelay = !!v;
	apply_options(s);
	return 0;
}

const struct net_proto_ops net_tcp_proto = {
	.type = SOCK_STREAM,
	.proto = IPPROTO_TCP,
	.rcvbuf = TCP_WND, /* the window */
	.sndbuf = TCP_SND_BUF,
	.open = stream_open,
	.bind = stream_bind,
	.connect = stream_connect,
	.listen = stream_listen,
	.accept = stream_accept,
	.unaccept = stream_unaccept,
	.send = stream_send,
	.send_stable = stream_send_stable,
	.sendmsg = stream_sendmsg,
	.recv = stream_recv,
	.shutdown = stream_shutdown,
	.poll = stream_poll,
	.readable = stream_readable,
	.addr = stream_addr,
	.setopt = stream_setopt,
	.keepalive = apply_options,
	.close = stream_close,
};
