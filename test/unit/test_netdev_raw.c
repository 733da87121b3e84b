/* Unit tests of the raw-frame API over chained frames (drivers/netdev.c):
 * a fake driver delivers frames over one or several buffers (->next, as
 * with DRV_NETDEV_OFF_RX_LARGE); os_net_recv copies a chain whole, or cut
 * at the caller's size at every point, and gives every buffer of it back
 * exactly once; a frame dropped because the raw queue is full has every
 * buffer given back too; an open the driver fails leaves the device
 * closed, so a later open can succeed. The event loop's wait, the clock, the
 * log and drv_virtio_net_register, which the layer calls, are stubbed here. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <drv/netdev.h>
#include <drv/virtio.h>
#include <kern/console.h>
#include <kern/loop.h>
#include <os/net.h>

/* ---- stubs ---- */

int drv_virtio_net_register(void)
{
	return 0;
}

void kern_log(enum kern_log_level level, const char *fmt, ...)
{
	(void)level;
	(void)fmt;
}

uint64_t kern_clock_ns(void)
{
	return 0;
}

/* The loop: nothing arrives while waiting. */
int kern_loop_wait(int (*cond)(void *), void *arg, uint64_t deadline,
		   int interruptible)
{
	(void)deadline;
	(void)interruptible;
	return cond && cond(arg) ? 0 : -ETIMEDOUT;
}

/* ---- the fake driver ---- */

#define NBUF 600
#define RAW_QUEUE 256 /* drivers/netdev.c's */

static struct drv_netbuf bufs[NBUF];
static uint8_t mem[NBUF][64];
static int given[NBUF]; /* the driver's (0) or the receiver's (1) */
static unsigned nbufs;	/* next unused buffer */
static int done_calls, done_twice;
static drv_netdev_rx_fn rx_fn;
static void *rx_ctx;

static int open_fails = 1; /* the first open fails, as a device may */

static int f_open(struct drv_netdev *nd, drv_netdev_rx_fn rx, void *ctx)
{
	(void)nd;
	if (open_fails) {
		open_fails = 0;
		return -EIO;
	}
	rx_fn = rx;
	rx_ctx = ctx;
	return 0;
}

static void f_rx_done(struct drv_netdev *nd, struct drv_netbuf *b)
{
	unsigned i = (unsigned)(b - bufs);

	(void)nd;
	assert_true(i < NBUF);
	if (!given[i])
		done_twice++;
	given[i] = 0;
	b->next = (void *)1; /* the driver's again: must not be followed */
	done_calls++;
}

static const struct drv_netdev_ops f_ops = { .open = f_open,
					     .rx_done = f_rx_done };
static struct drv_netdev fake = { .ops = &f_ops,
				  .driver = "fake",
				  .mtu = 1500 };
static int dev = -1;

static uint8_t frame[2048];

/* Deliver frame[0..sum) over buffers of the given sizes. */
static void deliver(const size_t *part, unsigned n)
{
	struct drv_netbuf *first = NULL, *prev = NULL;
	size_t off = 0;

	for (unsigned i = 0; i < n; i++) {
		unsigned k = nbufs++;
		struct drv_netbuf *b = &bufs[k];

		assert_true(k < NBUF && part[i] <= sizeof(mem[k]));
		memcpy(mem[k], frame + off, part[i]);
		*b = (struct drv_netbuf){ .data = mem[k], .len = part[i] };
		given[k] = 1;
		off += part[i];
		if (prev)
			prev->next = b;
		else
			first = b;
		prev = b;
	}
	first->tot_len = off;
	rx_fn(rx_ctx, first);
}

static int setup(void **state)
{
	(void)state;
	for (unsigned i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 13 + 5);
	assert_int_equal(drv_netdev_register(&fake), 0);
	dev = 0;
	/* A failed open leaves the device closed, not busy. */
	assert_int_equal(os_net_open(dev), -EIO);
	assert_int_equal(os_net_recv(dev, frame, sizeof(frame), 0), -EBADF);
	assert_int_equal(os_net_open(dev), 0);
	assert_int_equal(os_net_open(dev), -EBUSY);
	return 0;
}

static int reset(void **state)
{
	(void)state;
	nbufs = 0;
	done_calls = done_twice = 0;
	memset(given, 0, sizeof(given));
	return 0;
}

static int outstanding(void)
{
	int n = 0;

	for (unsigned i = 0; i < NBUF; i++)
		n += given[i];
	return n;
}

/* A frame of 100 bytes over 1..4 buffers split at every point: received
 * whole into a large buffer, every buffer given back once. */
static void test_chain_whole(void **state)
{
	uint8_t out[256];

	(void)state;
	for (size_t a = 1; a < 64; a++)
		for (size_t b = 1; a + b < 100 && b <= 64; b++) {
			size_t p3[3] = { a, b, 100 - a - b };

			if (p3[2] > 64)
				continue;
			reset(NULL);
			deliver(p3, 3);
			memset(out, 0, sizeof(out));
			assert_int_equal(os_net_recv(dev, out, sizeof(out), 0),
					 100);
			assert_memory_equal(out, frame, 100);
			assert_int_equal(done_calls, 3);
			assert_int_equal(done_twice, 0);
			assert_int_equal(outstanding(), 0);
		}
	{
		size_t p4[4] = { 1, 64, 34, 1 }, p1[1] = { 60 };

		reset(NULL);
		deliver(p4, 4);
		deliver(p1, 1);
		assert_int_equal(os_net_recv(dev, out, sizeof(out), 0), 100);
		assert_memory_equal(out, frame, 100);
		assert_int_equal(os_net_recv(dev, out, sizeof(out), 0), 60);
		assert_memory_equal(out, frame, 60);
		assert_int_equal(done_calls, 5);
		assert_int_equal(outstanding(), 0);
	}
}

/* Cut at every size from 0 to the frame's length: exactly size bytes,
 * the frame's first ones, nothing written past them; all given back. */
static void test_chain_truncated(void **state)
{
	size_t p[3] = { 30, 40, 30 };
	uint8_t out[128];

	(void)state;
	for (size_t size = 0; size <= 100; size++) {
		reset(NULL);
		deliver(p, 3);
		memset(out, 0xee, sizeof(out));
		assert_int_equal(os_net_recv(dev, out, size, 0), (ssize_t)size);
		assert_memory_equal(out, frame, size);
		for (size_t i = size; i < sizeof(out); i++)
			assert_int_equal(out[i], 0xee);
		assert_int_equal(done_calls, 3);
		assert_int_equal(outstanding(), 0);
	}
}

/* The raw queue full: a chained frame dropped has all its buffers given
 * back, and one drop counted; those queued come out in order. */
static void test_queue_full_drop(void **state)
{
	size_t one[1] = { 20 }, two[2] = { 10, 10 };
	uint64_t drops = fake.stats.rx_drops;
	uint8_t out[64];

	(void)state;
	reset(NULL);
	for (unsigned i = 0; i < RAW_QUEUE; i++)
		deliver(one, 1);
	deliver(two, 2); /* dropped */
	assert_int_equal(fake.stats.rx_drops, drops + 1);
	assert_int_equal(done_calls, 2);
	assert_int_equal(outstanding(), RAW_QUEUE);
	for (unsigned i = 0; i < RAW_QUEUE; i++)
		assert_int_equal(os_net_recv(dev, out, sizeof(out), 0), 20);
	assert_int_equal(os_net_recv(dev, out, sizeof(out), 0), -EAGAIN);
	assert_int_equal(outstanding(), 0);
	assert_int_equal(done_twice, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_whole),
		cmocka_unit_test(test_chain_truncated),
		cmocka_unit_test(test_queue_full_drop),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
