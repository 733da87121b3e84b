/* Unit test of net/netif.c's handling of a full transmit ring, on the
 * host: two fake network devices wired to each other (what one sends,
 * the other receives), each bound to an lwIP interface by
 * net_netif_add, under host_kernel.c's event loop in simulated time. The
 * sending device's ring holds one frame and can be stalled (the host's
 * I/O thread descheduled): a segment it refuses must go out as soon as
 * the device says its ring has room again (drv_netdev_tx_room), not at
 * TCP's retransmission timeout, with no simulated time passing. */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include <cmocka.h>

#include <kern/loop.h>
#include <lwip/netif.h>

#include "host_kernel.h"
#include "net_internal.h"

#define SYS_(nr, a, b, c, d, e, f, ...)                              \
	host_syscall(nr, (long)(a), (long)(b), (long)(c), (long)(d), \
		     (long)(e), (long)(f))
#define SYS(...) SYS_(__VA_ARGS__, 0, 0, 0, 0, 0, 0)

/* <netinet/tcp.h>'s value, left out: its TCP_MSS clashes with lwIP's */
#define TCP_NODELAY 1
#define QUEUE 64
#define PORT 7000
#define MSG 16

/* A fake device: a ring of cap frames, consumed (handed to the peer's
 * receive callback) at the end of a pass unless stalled. */
struct fake {
	struct drv_netdev nd;
	struct fake *peer;
	drv_netdev_rx_fn rx;
	void *rx_ctx;
	struct drv_netbuf *ring[QUEUE];
	int used, cap, stalled, refused;
	unsigned refusals;
	struct kern_deferred work;
};

static struct fake devs[2];

static struct fake *fk(struct drv_netdev *nd)
{
	return nd->priv;
}

static int dev_open(struct drv_netdev *nd, drv_netdev_rx_fn rx, void *ctx)
{
	fk(nd)->rx = rx;
	fk(nd)->rx_ctx = ctx;
	return 0;
}

static int dev_send(struct drv_netdev *nd, const void *frame, size_t len)
{
	struct fake *f = fk(nd);
	struct drv_netbuf *b;

	if (f->used == f->cap) {
		f->refused = 1;
		f->refusals++;
		return -EAGAIN;
	}
	b = calloc(1, sizeof(*b));
	assert_non_null(b);
	b->data = malloc(len);
	assert_non_null(b->data);
	memcpy(b->data, frame, len);
	b->len = b->tot_len = len;
	f->ring[f->used++] = b;
	return 0;
}

/* The device's side of the ring: every frame to the peer, then, if a
 * frame was refused, the news that there is room (as a driver's
 * transmit interrupt would bring it). */
static void dev_work(void *arg)
{
	struct fake *f = arg;
	int n = f->used;

	if (f->stalled)
		return;
	f->used = 0;
	for (int i = 0; i < n; i++)
		f->peer->rx(f->peer->rx_ctx, f->ring[i]);
	if (f->refused) {
		f->refused = 0;
		drv_netdev_tx_room(&f->nd);
	}
}

static void dev_flush(struct drv_netdev *nd)
{
	kern_loop_defer(&fk(nd)->work);
}

static void dev_rx_done(struct drv_netdev *nd, struct drv_netbuf *buf)
{
	(void)nd;
	free(buf->data);
	free(buf);
}

static void dev_poll(struct drv_netdev *nd)
{
	(void)nd;
}

static const struct drv_netdev_ops dev_ops = {
	.open = dev_open,
	.send = dev_send,
	.flush = dev_flush,
	.rx_done = dev_rx_done,
	.poll = dev_poll,
};

/* Device i at 10.0.0.(i+1)/24. Device 1 is added last, so lwIP routes
 * all of 10.0.0.0/24 through it: what goes to 10.0.0.2 (its own address)
 * loops back, what goes to 10.0.0.1 crosses device 1 to device 0. */
static void add_dev(int i, int cap)
{
	struct fake *f = &devs[i];
	struct net_if *nif;
	ip4_addr_t ip, mask, gw;

	memset(f, 0, sizeof(*f));
	f->nd = (struct drv_netdev){ .mac = { 2, 0, 0, 0, 0, (uint8_t)(i + 1) },
				     .mtu = 1500,
				     .link_up = 1,
				     .ops = &dev_ops,
				     .priv = f,
				     .driver = "fake" };
	f->peer = &devs[!i];
	f->cap = cap;
	f->work = (struct kern_deferred){ .fn = dev_work, .arg = f };
	nif = net_netif_add(&f->nd);
	assert_non_null(nif);
	IP4_ADDR(&ip, 10, 0, 0, i + 1);
	IP4_ADDR(&mask, 255, 255, 255, 0);
	ip4_addr_set_zero(&gw);
	netif_set_addr(&nif->lw, &ip, &mask, &gw);
}

static struct sockaddr_in addr(int host)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(PORT) };

	sin.sin_addr.s_addr = htonl(0x0a000000u | (uint32_t)host);
	return sin;
}

/* A connection from 10.0.0.2 to the listener at 10.0.0.1: *c the
 * client's end (Nagle off), whose segments cross device 1, *s the
 * server's, whose segments loop back. */
static void connect_pair(int l, int *c, int *s)
{
	struct sockaddr_in to = addr(1);
	int one = 1;

	*c = (int)SYS(SYS_socket, AF_INET, SOCK_STREAM, 0);
	assert_true(*c >= 3);
	assert_int_equal(SYS(SYS_setsockopt, *c, IPPROTO_TCP, TCP_NODELAY, &one,
			     sizeof(one)),
			 0);
	assert_int_equal(SYS(SYS_connect, *c, &to, sizeof(to)), 0);
	*s = (int)SYS(SYS_accept4, l, NULL, NULL, 0);
	assert_true(*s >= 3);
}

/* Two connections; device 1's ring (one frame) stalls; each client sends
 * a message: the first fills the ring, the second is refused. When the
 * ring drains, the first arrives (and its ACK makes TCP look at its own
 * connection only); the second must follow at once. */
static void test_refused_segment_sent_when_ring_drains(void **state)
{
	struct sockaddr_in me = addr(1);
	int l, c[2], s[2], one = 1;
	char buf[MSG * 2];
	uint64_t t0;

	(void)state;
	add_dev(0, QUEUE);
	add_dev(1, 1);
	l = (int)SYS(SYS_socket, AF_INET, SOCK_STREAM, 0);
	assert_int_equal(SYS(SYS_setsockopt, l, SOL_SOCKET, SO_REUSEADDR, &one,
			     sizeof(one)),
			 0);
	assert_int_equal(SYS(SYS_bind, l, &me, sizeof(me)), 0);
	assert_int_equal(SYS(SYS_listen, l, 4), 0);
	connect_pair(l, &c[0], &s[0]);
	connect_pair(l, &c[1], &s[1]);
	host_advance(HOST_S); /* delayed ACKs out: nothing left to send */

	devs[1].stalled = 1;
	t0 = host_now();
	assert_int_equal(
		SYS(SYS_sendto, c[0], "first message...", MSG, 0, NULL, 0),
		MSG);
	assert_int_equal(
		SYS(SYS_sendto, c[1], "second message..", MSG, 0, NULL, 0),
		MSG);
	host_run();
	assert_true(devs[1].refusals >= 1);

	devs[1].stalled = 0; /* the host's I/O thread runs again */
	kern_loop_defer(&devs[1].work);
	host_run();
	assert_int_equal(host_now(), t0); /* no timer may have helped */
	assert_int_equal(SYS(SYS_recvfrom, s[0], buf, sizeof(buf), MSG_DONTWAIT,
			     NULL, NULL),
			 MSG);
	assert_memory_equal(buf, "first message...", MSG);
	assert_int_equal(SYS(SYS_recvfrom, s[1], buf, sizeof(buf), MSG_DONTWAIT,
			     NULL, NULL),
			 MSG);
	assert_memory_equal(buf, "second message..", MSG);
	assert_int_equal(host_stuck(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused_segment_sent_when_ring_drains),
	};

	host_kernel_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
