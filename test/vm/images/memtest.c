/* memtest: the service's memory under pressure. Allocates until malloc
 * returns NULL (large and small blocks), frees everything and allocates
 * again; checks that mmap memory is zero even when frames are reused, that
 * MADV_DONTNEED re-zeroes, that mremap keeps contents, and prints the
 * memory statistics. Exits 0 when every check passed. With "warm", checks
 * memory after a reset instead (see warm()); with "net", exhausts memory
 * while serving UDP echo and taking timer signals (see net_main()). */
#define _GNU_SOURCE /* mremap */
#include <inttypes.h>
#include <stdint.h>
#include <netinet/in.h>
#include <os/mem.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#define MAX_BLOCKS 65536
#define PAGE 4096

static void *blocks[MAX_BLOCKS];

/* "net" mode: the echo socket, its counters and the timer's ticks. */
static int echo_fd = -1, quit;
static long echoed, send_failed;
static volatile sig_atomic_t ticks;

static void tick(int sig)
{
	(void)sig;
	ticks++;
}

/* Echo what waits on the UDP socket (waiting up to timeout_ms for the
 * first datagram); a datagram "quit" sets quit. */
static void pump(int timeout_ms)
{
	struct pollfd p = { .fd = echo_fd, .events = POLLIN };
	struct sockaddr_in from;
	char buf[2048];

	if (echo_fd < 0)
		return;
	while (!quit && poll(&p, 1, timeout_ms) > 0) {
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(echo_fd, buf, sizeof(buf), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl);

		if (n < 0)
			break;
		if (n == 4 && !memcmp(buf, "quit", 4))
			quit = 1;
		else if (sendto(echo_fd, buf, (size_t)n, 0,
				(struct sockaddr *)&from, fl) == n)
			echoed++;
		else
			send_failed++;
		timeout_ms = 0;
	}
}

static void stats(const char *when)
{
	struct os_mem_stats st;

	os_mem_stats(&st);
	printf("memtest: %s: total %" PRIu64 " KiB, free %" PRIu64
	       " KiB, heap %" PRIu64 " KiB, page tables %" PRIu64
	       " KiB, touched %" PRIu64 " KiB\n",
	       when, st.total >> 10, st.free >> 10, st.heap >> 10,
	       st.page_tables >> 10, st.touched >> 10);
}

/* Allocate blocks of size (touching them) until NULL; free them all;
 * return how many there were. */
static int fill(size_t size)
{
	int n = 0;

	while (n < MAX_BLOCKS && (blocks[n] = malloc(size))) {
		memset(blocks[n++], 0xa5, size);
		if (n % 16 == 0)
			pump(0);
	}
	pump(0); /* with the heap exhausted */
	for (int i = 0; i < n; i++)
		free(blocks[i]);
	return n;
}

static int check_exhaustion(size_t size, const char *what)
{
	int first = fill(size), second = fill(size);

	printf("memtest: %s: %d blocks until NULL, %d after freeing all\n",
	       what, first, second);
	return first > 0 && second >= first * 9 / 10;
}

/* A page mapped, dirtied, unmapped and mapped again reads zero. */
static int check_zeroed(void)
{
	for (int round = 0; round < 64; round++) {
		unsigned char *p = mmap(0, 16 * PAGE, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			return 0;
		for (int i = 0; i < 16 * PAGE; i++)
			if (p[i])
				return 0;
		memset(p, 0x5a, 16 * PAGE);
		munmap(p, 16 * PAGE);
	}
	return 1;
}

static int check_dontneed(void)
{
	unsigned char *p = mmap(0, 4 * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	memset(p, 0x77, 4 * PAGE);
	if (madvise(p + PAGE, 2 * PAGE, MADV_DONTNEED))
		return 0;
	return p[0] == 0x77 && p[PAGE] == 0 && p[3 * PAGE - 1] == 0 &&
	       p[3 * PAGE] == 0x77 && munmap(p, 4 * PAGE) == 0;
}

static int check_mremap(void)
{
	unsigned char *p = mmap(0, 2 * PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
		      *q;
	unsigned char *block =
		mmap(p + 2 * PAGE, PAGE, PROT_READ,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	memset(p, 0x33, 2 * PAGE);
	q = mremap(p, 2 * PAGE, 64 * PAGE, MREMAP_MAYMOVE);
	if (q == MAP_FAILED || block != p + 2 * PAGE || q == p)
		return 0;
	return q[0] == 0x33 && q[2 * PAGE - 1] == 0x33 && q[2 * PAGE] == 0 &&
	       q[64 * PAGE - 1] == 0;
}

/* Run twice in one VM (the test lets QEMU reset instead of exiting):
 * the first boot leaves a mark in RAM the identity map reaches, dirties
 * the service's memory and triple-faults; the second finds the mark and
 * checks that its fresh memory still reads zero. */
static int warm(void)
{
	static const struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) empty_idt = { 0, 0 };
	struct os_mem_stats st;
	volatile uint64_t *mark;
	size_t len = 8 << 20;
	unsigned char *p;

	os_mem_stats(&st);
	mark = (volatile uint64_t *)(uintptr_t)(st.total - (4 << 20));
	p = mmap(0, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	for (size_t i = 0; i < len; i++)
		if (p[i]) {
			printf("memtest: warm: byte %zu of fresh memory is "
			       "0x%02x\n",
			       i, p[i]);
			return 1;
		}
	if (*mark == 0x5741524d) {
		printf("memtest: warm: second boot: fresh memory reads zero\n");
		return 0;
	}
	printf("memtest: warm: first boot: dirtying RAM, then resetting\n");
	*mark = 0x5741524d;
	memset(p, 0xee, len);
	__asm__ volatile("lidt %0; int3" : : "m"(empty_idt));
	return 2;
}

/* Serve echo for up to seconds, or until "quit" or the first datagram
 * when first is set. */
static void serve(int seconds, int first)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		pump(100);
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (!quit && !(first && echoed) && t.tv_sec - t0.tv_sec < seconds);
}

/* Memory exhaustion with the network and timers live: a UDP echo server
 * on port 7 is served between allocations, a 10 ms interval timer ticks.
 * It waits for the first datagram, exhausts and frees twice, then serves
 * until "quit". 0 when the heap refilled, datagrams were echoed while it
 * was exhausted and the timer kept ticking. */
static int net_main(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(7) };
	struct itimerval it = { { 0, 10000 }, { 0, 10000 } };
	long before;
	int ok = 1, t0;

	echo_fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (echo_fd < 0 || bind(echo_fd, (struct sockaddr *)&a, sizeof(a)) ||
	    signal(SIGALRM, tick) == SIG_ERR || setitimer(ITIMER_REAL, &it, 0))
		return perror("memtest: net: set-up"), 1;
	printf("memtest: net: ready\n");
	fflush(stdout);
	serve(30, 1);
	before = echoed;
	t0 = ticks;
	ok &= check_exhaustion(1 << 20, "1 MiB blocks");
	ok &= check_exhaustion(1000, "1000-byte blocks");
	printf("memtest: net: %ld echoed while exhausting (%ld sends "
	       "failed), %d timer ticks\n",
	       echoed - before, send_failed, ticks - t0);
	fflush(stdout);
	ok &= echoed > before && ticks > t0;
	serve(60, 0);
	printf("memtest: net: %ld echoed in all, %s\n", echoed,
	       quit ? "quit" : "no quit");
	return !(ok && quit);
}

int main(int argc, char **argv)
{
	int ok = 1;

	if (argc > 1 && !strcmp(argv[1], "warm"))
		return warm();
	if (argc > 1 && !strcmp(argv[1], "net"))
		return net_main();
	stats("at start");
	ok &= check_exhaustion(1 << 20, "1 MiB blocks");
	ok &= check_exhaustion(1000, "1000-byte blocks");
	stats("after freeing");
	if (check_zeroed())
		printf("memtest: reused pages read zero\n");
	else
		ok = 0;
	if (check_dontneed())
		printf("memtest: MADV_DONTNEED re-zeroes\n");
	else
		ok = 0;
	if (check_mremap())
		printf("memtest: mremap moves contents\n");
	else
		ok = 0;
	stats("at end");
	printf("memtest: %s\n", ok ? "ok" : "FAILED");
	return !ok;
}
