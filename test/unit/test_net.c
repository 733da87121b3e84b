/* Host unit tests of net/'s pure parts: the net.* option parser
 * (net/config.c over kernel/core/cmdline.c) and the heap (net/heap.c, with the
 * kernel's frame allocator and memory statistics stubbed). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include <arch/cc.h>
#include <kern/exit.h>
#include <kern/mm.h>
#include <os/mem.h>

#include "../config.h"
#include "../heap.h"

/* ---- Stubs of the kernel for heap.c. */

static uint64_t fake_free = 64 << 20; /* bytes free in os_mem_stats */
static size_t frames_out;	      /* frames handed to the heap */
static void *chunks[4096];	      /* what it holds, freed per test */
static jmp_buf panic_jmp;
static int panicked;

int kern_mm_booted(void)
{
	return 1;
}

/* As the kernel's: NULL unless n frames leave the reserve free. */
void *kern_mm_try_alloc(size_t n)
{
	struct os_mem_stats m;
	void *p;

	os_mem_stats(&m);
	if (m.free < m.reserve + n * 4096)
		return NULL;
	p = aligned_alloc(4096, n * 4096);
	assert_non_null(p);
	memset(p, 0, n * 4096);
	frames_out += n;
	for (int i = 0; i < 4096; i++)
		if (!chunks[i]) {
			chunks[i] = p;
			return p;
		}
	fail_msg("too many chunks");
	return NULL;
}

void kern_mm_free(void *p, size_t n)
{
	frames_out -= n;
	for (int i = 0; i < 4096; i++)
		if (chunks[i] == p)
			chunks[i] = NULL;
	free(p);
}

/* A new empty heap of limit bytes (the old one's frames freed). */
static void heap_setup(size_t limit)
{
	for (int i = 0; i < 4096; i++) {
		free(chunks[i]);
		chunks[i] = NULL;
	}
	frames_out = 0;
	fake_free = 64 << 20;
	panicked = 0;
	net_heap_init(limit);
}

void os_mem_stats(struct os_mem_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->free = fake_free - frames_out * 4096;
	st->reserve = 1 << 20;
}

void kern_panic(const char *fmt, ...)
{
	(void)fmt;
	panicked = 1;
	longjmp(panic_jmp, 1);
}

/* ---- The option parser. */

static struct kern_cmdline cl;
static struct net_config cfg;
static char err[160];

/* Parse the kernel options in line into cfg; net_config_parse's result. */
static int parse(const char *line)
{
	char perr[128];

	assert_int_equal(
		kern_cmdline_parse(&cl, line, "svc", perr, sizeof(perr)), 0);
	err[0] = 0;
	return net_config_parse(&cfg, &cl, err, sizeof(err));
}

/* line must fail with a message starting with prefix. */
static void bad(const char *line, const char *prefix)
{
	assert_int_equal(parse(line), -EINVAL);
	if (strncmp(err, prefix, strlen(prefix)))
		fail_msg("'%s' gave '%s'", line, err);
}

static void test_default_is_dhcp(void **state)
{
	(void)state;
	assert_int_equal(parse("log=info -- x"), 0);
	assert_true(cfg.dhcp);
	assert_false(cfg.raw);
	assert_int_equal(cfg.ndns + cfg.nip6 + cfg.have_gw, 0);
	assert_string_equal(kern_cmdline_unused(&cl), "log=info");
	assert_int_equal(parse("net.ip=dhcp"), 0);
	assert_true(cfg.dhcp);
}

static void test_static(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(parse("net.ip=10.0.0.2/24 net.gw=10.0.0.1 "
			       "net.dns=1.1.1.1 net.dns=2001:db8::53 "
			       "net.ip6=fd00::2/64"),
			 0);
	assert_false(cfg.dhcp);
	assert_string_equal(net_addr_format(&cfg.ip4, 1, buf, sizeof(buf)),
			    "10.0.0.2/24");
	assert_true(cfg.have_gw);
	assert_string_equal(net_addr_format(&cfg.gw4, 0, buf, sizeof(buf)),
			    "10.0.0.1");
	assert_int_equal(cfg.ndns, 2);
	assert_int_equal(cfg.dns[1].family, AF_INET6);
	assert_string_equal(net_addr_format(&cfg.dns[1], 0, buf, sizeof(buf)),
			    "2001:db8::53");
	assert_int_equal(cfg.nip6, 1);
	assert_string_equal(net_addr_format(&cfg.ip6[0], 1, buf, sizeof(buf)),
			    "fd00::2/64");
	assert_null(kern_cmdline_unused(&cl));
}

static void test_raw(void **state)
{
	(void)state;
	assert_int_equal(parse("net.raw"), 0);
	assert_true(cfg.raw);
	bad("net.raw=1", "net.raw=1: ");
}

static void test_bad_ip(void **state)
{
	(void)state;
	bad("net.ip=10.0.0.300/24", "net.ip=10.0.0.300/24: want ADDR/PREFIX");
	bad("net.ip=10.0.0.2", "net.ip=10.0.0.2: want");
	bad("net.ip=10.0.0.2/33", "net.ip=10.0.0.2/33: want");
	bad("net.ip=10.0.0.2/", "net.ip=10.0.0.2/: want");
	bad("net.ip=10.0.0.2/24x", "net.ip=10.0.0.2/24x: want");
	bad("net.ip=fd00::1/64", "net.ip=fd00::1/64: want");
	bad("net.ip=10.0.0.0/24", "net.ip=10.0.0.0/24: the subnet's network");
	bad("net.ip=10.0.0.255/24", "net.ip=10.0.0.255/24: the subnet's");
	bad("net.ip=224.0.0.1/24", "net.ip=224.0.0.1/24: not a unicast");
	bad("net.ip=127.0.0.1/8", "net.ip=127.0.0.1/8: not a unicast");
	bad("net.ip=10.0.0.2/24 net.ip=dhcp", "net.ip=dhcp: given twice");
	assert_int_equal(parse("net.ip=10.0.0.0/31"), 0); /* point to point */
}

static void test_bad_gw(void **state)
{
	(void)state;
	bad("net.gw=10.0.0.1", "net.gw=10.0.0.1: needs a static net.ip");
	bad("net.ip=10.0.0.2/24 net.gw=10.0.1.1", "net.gw=10.0.1.1: not "
						  "another address");
	bad("net.ip=10.0.0.2/24 net.gw=10.0.0.2", "net.gw=10.0.0.2: not");
	bad("net.ip=10.0.0.2/24 net.gw=fe80::1", "net.gw=fe80::1: not an");
}

static void test_bad_dns(void **state)
{
	(void)state;
	bad("net.dns=example.org", "net.dns=example.org: not an IPv4 or");
	bad("net.dns=0.0.0.0", "net.dns=0.0.0.0: not");
	bad("net.dns=1.1.1.1 net.dns=1.0.0.1 net.dns=8.8.8.8 net.dns=9.9.9.9",
	    "net.dns=9.9.9.9: more than 3");
	/* A static address with no gateway reaches its own subnet only. */
	bad("net.ip=10.0.0.2/24 net.dns=1.1.1.1",
	    "net.dns=1.1.1.1: outside net.ip's subnet, with no net.gw");
	assert_int_equal(parse("net.ip=10.0.0.2/24 net.dns=10.0.0.53 "
			       "net.dns=2001:db8::53"),
			 0);
	assert_int_equal(parse("net.dns=1.1.1.1"), 0); /* DHCP: a gateway */
}

static void test_bad_ip6(void **state)
{
	(void)state;
	bad("net.ip6=fd00::2", "net.ip6=fd00::2: want ADDR/PREFIX");
	bad("net.ip6=fd00::2/129", "net.ip6=fd00::2/129: want");
	bad("net.ip6=fe80::2/64", "net.ip6=fe80::2/64: link-local");
	bad("net.ip6=ff02::1/64", "net.ip6=ff02::1/64: a multicast");
	bad("net.ip6=::1/128", "net.ip6=::1/128: not a unicast");
	bad("net.ip6=::ffff:10.0.0.1/96", "net.ip6=::ffff:10.0.0.1/96: not");
	bad("net.ip6=10.0.0.1/24", "net.ip6=10.0.0.1/24: want");
}

/* ---- The heap. */

static void test_heap_classes(void **state)
{
	void *p[64];
	struct net_heap_stats st;

	(void)state;
	heap_setup(8 << 20);
	for (int i = 0; i < 64; i++) {
		size_t n = (size_t)i * 67 + 1;

		p[i] = net_malloc(n);
		assert_non_null(p[i]);
		assert_int_equal((uintptr_t)p[i] % 16, 0);
		memset(p[i], i, n);
	}
	for (int i = 0; i < 64; i++)
		assert_int_equal(((unsigned char *)p[i])[i * 67], i);
	for (int i = 0; i < 64; i++)
		net_free(p[i]);
	net_heap_stats(&st);
	assert_int_equal(st.in_use, 0);
	assert_true(st.peak > 0);
	assert_true(st.reserved <= st.limit);
	net_free(NULL);
}

static void test_heap_reuse(void **state)
{
	void *a, *b;

	(void)state;
	heap_setup(8 << 20);
	a = net_malloc(100);
	net_free(a);
	b = net_malloc(110); /* same class: the same block comes back */
	assert_ptr_equal(a, b);
	net_free(b);
}

static void test_heap_large(void **state)
{
	size_t before;
	char *p;

	(void)state;
	heap_setup(8 << 20);
	before = frames_out;
	p = net_malloc(100000);
	assert_non_null(p);
	assert_int_equal(frames_out - before, (100000 + 16 + 4095) / 4096);
	p[99999] = 1;
	net_free(p);
	assert_int_equal(frames_out, before);
}

static void test_heap_limit(void **state)
{
	struct net_heap_stats st;
	int n = 0;

	(void)state;
	heap_setup(64 << 10); /* 64 KiB: four 16 KiB chunks */
	while (net_malloc(1000))
		n++;
	assert_int_equal(n, 4 * 16); /* 16 blocks of 1024 per chunk */
	net_heap_stats(&st);
	assert_true(st.failures >= 1);
	assert_true(st.reserved <= st.limit);
	assert_null(net_malloc(100000));
	assert_null(net_calloc(SIZE_MAX / 2, 4));
}

static void test_heap_free_ram(void **state)
{
	(void)state;
	heap_setup(1UL << 30);
	fake_free = frames_out * 4096 + (1 << 20); /* only the reserve left */
	assert_null(net_malloc(3000));
	assert_null(net_malloc(50000));
	fake_free = 64 << 20;
}

static void test_heap_calloc(void **state)
{
	unsigned char *p;

	(void)state;
	heap_setup(8 << 20);
	p = net_malloc(200);
	memset(p, 0xaa, 200);
	net_free(p);
	p = net_calloc(20, 10);
	for (int i = 0; i < 200; i++)
		assert_int_equal(p[i], 0);
	net_free(p);
}

static void test_heap_double_free(void **state)
{
	void *p;

	(void)state;
	heap_setup(8 << 20);
	p = net_malloc(64);
	net_free(p);
	if (!setjmp(panic_jmp))
		net_free(p);
	assert_true(panicked);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_is_dhcp),
		cmocka_unit_test(test_static),
		cmocka_unit_test(test_raw),
		cmocka_unit_test(test_bad_ip),
		cmocka_unit_test(test_bad_gw),
		cmocka_unit_test(test_bad_dns),
		cmocka_unit_test(test_bad_ip6),
		cmocka_unit_test(test_heap_classes),
		cmocka_unit_test(test_heap_reuse),
		cmocka_unit_test(test_heap_large),
		cmocka_unit_test(test_heap_limit),
		cmocka_unit_test(test_heap_free_ram),
		cmocka_unit_test(test_heap_calloc),
		cmocka_unit_test(test_heap_double_free),
	};

	int r = cmocka_run_group_tests(tests, NULL, NULL);

	heap_setup(0);
	return r;
}
