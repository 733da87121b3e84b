/* memtest: the service's memory under pressure. Allocates until malloc
 * returns NULL (large and small blocks), frees everything and allocates
 * again; checks that mmap memory is zero even when frames are reused, that
 * MADV_DONTNEED re-zeroes, that mremap keeps contents, and prints the
 * memory statistics. Exits 0 when every check passed. With "warm", checks
 * memory after a reset instead (see warm()); with "net", exhausts memory
 * while serving UDP echo and taking timer signals (see net_main()); with
 * "ranges", passes wrapping, huge, misaligned and out-of-range ranges to
 * the memory calls (see ranges()); with "wx" or "wx_allowed", checks that
 * memory writable and executable at once is refused, or allowed under the
 * kernel option mm.allow_wx (see wx()). */
#define _GNU_SOURCE /* mremap */
#include <errno.h>
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
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_BLOCKS 65536
#define PAGE 4096L

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

/* "ranges" and "wx": how many checks failed. */
static int failed;

/* Check a system call's result r, taken with errno e right after it: -1
 * with errno err, or want when err is 0. */
static void check_call(const char *what, long r, int e, long want, int err)
{
	if (err ? r == -1 && e == err : r == want)
		return;
	printf("memtest: %s: returned %ld (%s), expected %s\n", what, r,
	       r == -1 ? strerror(e) : "no error",
	       err ? strerror(err) : "success");
	failed++;
}

#define FAILS(err, call)                               \
	do {                                           \
		long r_ = (errno = 0, (long)(call));   \
		check_call(#call, r_, errno, -1, err); \
	} while (0)
#define GIVES(want, call)                                      \
	do {                                                   \
		long r_ = (errno = 0, (long)(call));           \
		check_call(#call, r_, errno, (long)(want), 0); \
	} while (0)

#define RW (PROT_READ | PROT_WRITE)
#define RWX (PROT_READ | PROT_WRITE | PROT_EXEC)
#define ANON (MAP_PRIVATE | MAP_ANONYMOUS)
#define TOP (1L << 47) /* the end of the lower half */
#define TIB (1L << 40)
#define SCRATCH (1L << 45) /* 32 TiB */
#define FAR (5L << 44)	   /* 80 TiB */

/* mmap through the system call itself (musl's wrapper checks lengths). */
static long sys_mmap(long addr, long len, int prot, int flags)
{
	return syscall(SYS_mmap, addr, len, prot, flags, -1L, 0L);
}

/* Whether the len bytes at p all hold byte c (and are still writable). */
static int intact(unsigned char *p, size_t len, unsigned char c)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != c)
			return 0;
	p[0] = c;
	return 1;
}

/* Whether the page at p is mapped: mprotect without a change says so. */
static int mapped(long p)
{
	return syscall(SYS_mprotect, p, PAGE, RW) == 0;
}

static long elapsed_us(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000000 +
	       (t.tv_nsec - t0->tv_nsec) / 1000;
}

/* pages fresh pages of byte c at the fixed address at, with nothing else
 * mapped in the TiB above (on Linux too: 32 and 80 TiB are unused there);
 * 0 (counted as a failure) if that cannot be done. */
static long fixed_at(long at, long pages, unsigned char c)
{
	long q = sys_mmap(at, pages * PAGE, RW, ANON | MAP_FIXED);

	if (q != at) {
		printf("memtest: MAP_FIXED at 0x%lx gave 0x%lx\n", at, q);
		failed++;
		return 0;
	}
	memset((void *)q, c, pages * PAGE);
	return q;
}

/* Ranges aimed at p (4 pages that must stay as they are) fail before
 * anything is done; so do ranges running past the mapping at SCRATCH
 * (Linux changes its mapped part first, libos nothing). */
static void ranges_mprotect(long p)
{
	long s = fixed_at(SCRATCH, 4, 0x55);

	FAILS(ENOMEM, syscall(SYS_mprotect, -PAGE, PAGE, PROT_READ));
	FAILS(ENOMEM, syscall(SYS_mprotect, p, -PAGE, PROT_READ));
	FAILS(ENOMEM, syscall(SYS_mprotect, p, -1L, PROT_READ));
	FAILS(ENOMEM, syscall(SYS_mprotect, TOP - PAGE, 2 * PAGE, PROT_READ));
	FAILS(ENOMEM, syscall(SYS_mprotect, TOP, PAGE, PROT_READ));
	FAILS(ENOMEM, syscall(SYS_mprotect, -TOP, PAGE, PROT_READ));
	FAILS(EINVAL, syscall(SYS_mprotect, p + 1, PAGE, PROT_READ));
	FAILS(EINVAL, syscall(SYS_mprotect, p, PAGE, 0x100L));
	GIVES(0, syscall(SYS_mprotect, p, 0L, PROT_READ));
	GIVES(0, syscall(SYS_mprotect, -PAGE, 0L, PROT_READ));
	FAILS(ENOMEM, syscall(SYS_mprotect, s, TIB, PROT_READ));
	FAILS(ENOMEM, syscall(SYS_mprotect, s, 5 * PAGE, PROT_READ));
}

static void ranges_munmap(long p)
{
	FAILS(EINVAL, syscall(SYS_munmap, -PAGE, PAGE));
	FAILS(EINVAL, syscall(SYS_munmap, p, -PAGE));
	FAILS(EINVAL, syscall(SYS_munmap, p, -1L));
	FAILS(EINVAL, syscall(SYS_munmap, p, TOP));
	FAILS(EINVAL, syscall(SYS_munmap, TOP, PAGE));
	FAILS(EINVAL, syscall(SYS_munmap, -TOP, PAGE));
	FAILS(EINVAL, syscall(SYS_munmap, p + 1, PAGE));
	FAILS(EINVAL, syscall(SYS_munmap, p, 0L));
}

static void ranges_mmap(long p)
{
	long q;

	FAILS(ENOMEM, sys_mmap(-PAGE, PAGE, RW, ANON | MAP_FIXED));
	FAILS(ENOMEM, sys_mmap(TOP - PAGE, 2 * PAGE, RW, ANON | MAP_FIXED));
	FAILS(ENOMEM, sys_mmap(TOP, PAGE, RW, ANON | MAP_FIXED));
	FAILS(ENOMEM, sys_mmap(p, -PAGE, RW, ANON | MAP_FIXED));
	FAILS(ENOMEM, sys_mmap(p, TOP, RW, ANON | MAP_FIXED));
	FAILS(ENOMEM, sys_mmap(-PAGE, PAGE, RW, ANON | MAP_FIXED_NOREPLACE));
	FAILS(EEXIST, sys_mmap(p, PAGE, RW, ANON | MAP_FIXED_NOREPLACE));
	FAILS(EINVAL, sys_mmap(p + 1, PAGE, RW, ANON | MAP_FIXED));
	FAILS(EINVAL, sys_mmap(0, 0, RW, ANON));
	FAILS(ENOMEM, sys_mmap(0, -1L, RW, ANON));
	FAILS(ENOMEM, sys_mmap(0, -PAGE, RW, ANON));
	FAILS(ENOMEM, sys_mmap(0, TOP, RW, ANON));
	/* A hint is only a hint: one that cannot be used is ignored. */
	q = sys_mmap(-PAGE, PAGE, RW, ANON);
	if (q == -1 || q == -PAGE || q % PAGE || !mapped(q)) {
		printf("memtest: mmap with hint -4096 gave 0x%lx\n", q);
		failed++;
	}
	GIVES(0, syscall(SYS_munmap, q, PAGE));
}

static void ranges_madvise(long p)
{
	long s = fixed_at(SCRATCH, 4, 0x55);

	FAILS(EINVAL, syscall(SYS_madvise, -PAGE, PAGE, MADV_DONTNEED));
	FAILS(EINVAL, syscall(SYS_madvise, p, -PAGE, MADV_DONTNEED));
	FAILS(EINVAL, syscall(SYS_madvise, p, -1L, MADV_DONTNEED));
	FAILS(EINVAL, syscall(SYS_madvise, p + 1, PAGE, MADV_DONTNEED));
	FAILS(ENOMEM, syscall(SYS_madvise, TOP, PAGE, MADV_DONTNEED));
	FAILS(ENOMEM, syscall(SYS_madvise, TOP - PAGE, 2 * PAGE, MADV_NORMAL));
	FAILS(ENOMEM, syscall(SYS_madvise, -TOP, PAGE, MADV_WILLNEED));
	GIVES(0, syscall(SYS_madvise, p, 0L, MADV_DONTNEED));
	FAILS(ENOMEM, syscall(SYS_madvise, s, TIB, MADV_DONTNEED));
}

static void ranges_mremap(long p)
{
	long q;

	FAILS(EFAULT,
	      syscall(SYS_mremap, -PAGE, PAGE, 2 * PAGE, MREMAP_MAYMOVE));
	FAILS(EFAULT, syscall(SYS_mremap, TOP, PAGE, 2 * PAGE, MREMAP_MAYMOVE));
	FAILS(EFAULT,
	      syscall(SYS_mremap, p, 8 * PAGE, 16 * PAGE, MREMAP_MAYMOVE));
	FAILS(EINVAL, syscall(SYS_mremap, p, -PAGE, 2 * PAGE, MREMAP_MAYMOVE));
	FAILS(EINVAL, syscall(SYS_mremap, p, -1L, 2 * PAGE, MREMAP_MAYMOVE));
	FAILS(EINVAL, syscall(SYS_mremap, p, TOP, 2 * PAGE, MREMAP_MAYMOVE));
	FAILS(EINVAL, syscall(SYS_mremap, p, PAGE, -PAGE, MREMAP_MAYMOVE));
	FAILS(EINVAL, syscall(SYS_mremap, p, PAGE, -1L, MREMAP_MAYMOVE));
	FAILS(EINVAL, syscall(SYS_mremap, p, PAGE, 0L, MREMAP_MAYMOVE));
	FAILS(EINVAL,
	      syscall(SYS_mremap, p + 1, PAGE, 2 * PAGE, MREMAP_MAYMOVE));
	FAILS(ENOMEM, syscall(SYS_mremap, p, PAGE, TIB, MREMAP_MAYMOVE));
	/* A page of a fresh mapping moved into a larger one. */
	q = sys_mmap(0, PAGE, RW, ANON);
	memset((void *)q, 0x24, PAGE);
	q = syscall(SYS_mremap, q, PAGE, 256 * PAGE, MREMAP_MAYMOVE);
	if (q == -1 || !intact((void *)q, PAGE, 0x24) ||
	    syscall(SYS_munmap, q, 256 * PAGE)) {
		printf("memtest: mremap of a fresh page failed\n");
		failed++;
	}
}

static void ranges_brk(long p)
{
	long cur = syscall(SYS_brk, 0L);

	(void)p;
	GIVES(cur, syscall(SYS_brk, -PAGE));
	GIVES(cur, syscall(SYS_brk, TOP));
	GIVES(cur, syscall(SYS_brk, 0L));
}

/* munmap of a length far beyond what is mapped costs what is mapped (the
 * test's timeout catches a walk over every page): 1 TiB over 64 KiB
 * mapped, and 16 TiB over 16 KiB mapped that a MAP_FIXED of 16 TiB,
 * failing, must leave intact. */
static void ranges_huge(long p)
{
	struct timespec t0;
	long s = fixed_at(SCRATCH, 16, 0x11), far = fixed_at(FAR, 4, 0x22);

	(void)p;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	GIVES(0, syscall(SYS_munmap, s, TIB));
	printf("memtest: munmap of 1 TiB over 64 KiB mapped took %ld us\n",
	       elapsed_us(&t0));
	if (mapped(s) || mapped(s + 15 * PAGE)) {
		printf("memtest: munmap of 1 TiB left pages mapped\n");
		failed++;
	}
	FAILS(ENOMEM, sys_mmap(FAR, 16 * TIB, RW, ANON | MAP_FIXED));
	if (!intact((void *)far, 4 * PAGE, 0x22)) {
		printf("memtest: a failed MAP_FIXED lost the mapping\n");
		failed++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	GIVES(0, syscall(SYS_munmap, far, 16 * TIB));
	printf("memtest: munmap of 16 TiB over 16 KiB mapped took %ld us\n",
	       elapsed_us(&t0));
	if (mapped(far)) {
		printf("memtest: munmap of 16 TiB left pages mapped\n");
		failed++;
	}
}

/* Every memory call given ranges that wrap, are huge, misaligned, empty,
 * non-canonical or in the upper half fails as Linux fails (or succeeds
 * where Linux does) and leaves the mapping it was aimed at intact. Runs
 * the group of calls named only, if one is named. */
static int ranges(const char *only)
{
	static const struct {
		const char *name;
		void (*run)(long p);
	} groups[] = {
		{ "mprotect", ranges_mprotect }, { "munmap", ranges_munmap },
		{ "mmap", ranges_mmap },	 { "madvise", ranges_madvise },
		{ "mremap", ranges_mremap },	 { "brk", ranges_brk },
		{ "huge", ranges_huge },
	};
	unsigned char *p = mmap(0, 4 * PAGE, RW, ANON, -1, 0);

	if (p == MAP_FAILED)
		return perror("memtest: ranges: mmap"), 1;
	memset(p, 0x42, 4 * PAGE);
	for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		if (only && strcmp(only, groups[i].name))
			continue;
		groups[i].run((long)p);
		if (!intact(p, 4 * PAGE, 0x42)) {
			printf("memtest: %s: the mapping under test changed\n",
			       groups[i].name);
			failed++;
		}
		printf("memtest: ranges: %s done\n", groups[i].name);
	}
	printf("memtest: ranges %s\n", failed ? "FAILED" : "ok");
	return failed != 0;
}

/* mov $42, %eax; ret */
static const unsigned char ret42[] = { 0xb8, 42, 0, 0, 0, 0xc3 };

/* Copy ret42 to p and call it: whether it returned 42. */
static int run_code(void *p)
{
	memcpy(p, ret42, sizeof(ret42));
	return ((int (*)(void))p)() == 42;
}

/* W+X under mm.allow_wx: mmap and mprotect grant it, and code written
 * there runs. */
static void wx_allowed(void *p)
{
	void *q = mmap(0, PAGE, RWX, ANON, -1, 0);

	if (q == MAP_FAILED || !run_code(q)) {
		printf("memtest: mmap W+X failed though allowed\n");
		failed++;
	}
	GIVES(0, mprotect(p, PAGE, RWX));
	if (!failed && !run_code(p)) {
		printf("memtest: code in W+X memory failed\n");
		failed++;
	}
}

/* W+X refused: mmap and mprotect fail with EACCES (after the range checks)
 * and change nothing; writing code, then making it read+execute, works. */
static void wx_refused(void *p)
{
	void *q;

	errno = 0;
	q = mmap(0, PAGE, RWX, ANON, -1, 0);
	check_call("mmap(0, PAGE, RWX, ANON, -1, 0)",
		   q == MAP_FAILED ? -1 : (long)q, errno, -1, EACCES);
	FAILS(EACCES, sys_mmap(0, PAGE, PROT_WRITE | PROT_EXEC, ANON));
	FAILS(EACCES, mprotect(p, PAGE, RWX));
	FAILS(EACCES, mprotect(p, PAGE, PROT_WRITE | PROT_EXEC));
	memset(p, 0x90, PAGE); /* still writable */
	FAILS(ENOMEM, syscall(SYS_mprotect, TOP, PAGE, RWX));
	memcpy(p, ret42, sizeof(ret42));
	GIVES(0, mprotect(p, PAGE, PROT_READ | PROT_EXEC));
	if (((int (*)(void))p)() != 42) {
		printf("memtest: W then X failed\n");
		failed++;
	}
	if (!failed)
		printf("memtest: W+X refused with EACCES\n");
}

/* W^X for the service's memory: refused, or allowed under mm.allow_wx. */
static int wx(int allowed)
{
	void *p = mmap(0, PAGE, RW, ANON, -1, 0);

	if (p == MAP_FAILED)
		return perror("memtest: wx: mmap"), 1;
	if (allowed)
		wx_allowed(p);
	else
		wx_refused(p);
	printf("memtest: wx %s\n", failed ? "FAILED" : "ok");
	return failed != 0;
}

int main(int argc, char **argv)
{
	int ok = 1;

	if (argc > 1 && !strcmp(argv[1], "warm"))
		return warm();
	if (argc > 1 && !strcmp(argv[1], "net"))
		return net_main();
	if (argc > 1 && !strcmp(argv[1], "ranges"))
		return ranges(argc > 2 ? argv[2] : NULL);
	if (argc > 1 && !strcmp(argv[1], "wx"))
		return wx(0);
	if (argc > 1 && !strcmp(argv[1], "wx_allowed"))
		return wx(1);
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
