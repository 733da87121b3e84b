/* mapabuse: a hostile service against mmap of files and sendfile, for
 * the VM tests. Its baked-in tree is filetest's (test/vm/files at /data,
 * mkbig.py's 1 MiB /big/big.bin): it maps big.bin directly and as
 * copies, then cuts the mappings with MAP_FIXED, munmap, mremap,
 * mprotect and madvise, maps with offsets past the end, huge lengths and
 * overflowing offsets, and sends files to /tmp and /dev/null with bad
 * offset pointers and counts. After every abuse the file's bytes are read
 * again and compared with the copy read at the start (and that copy's
 * checksum with the one printed at the start); once everything is
 * unmapped, the free and promised memory must be what they were. Prints
 * "mapabuse: <n> checks ok" and exits 0, or names each failure and exits
 * 1; a crash of the kernel fails the test too. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <os/mem.h>

#define PAGE 4096UL
#define BIG (1UL << 20)

static int failures, checks;
static unsigned char *ref; /* big.bin as read at the start */
static uint64_t ref_sum;
static int big; /* /big/big.bin, open for reading */

/* Record a failed expectation with its line and errno. */
#define CHECK(cond)                                                         \
	do {                                                                \
		checks++;                                                   \
		if (!(cond)) {                                              \
			printf("mapabuse: line %d: %s failed (errno %d)\n", \
			       __LINE__, #cond, errno);                     \
			failures++;                                         \
		}                                                           \
	} while (0)

/* A system call's result, -errno on failure. */
static long sys(long r)
{
	return r < 0 ? -errno : r;
}

/* FNV-1a over n bytes. */
static uint64_t fnv(const unsigned char *p, size_t n)
{
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}

/* Whether every byte of [p, p + n) is zero. */
static int zeroes(const volatile unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* The file's bytes, read again and through a fresh mapping, are still
 * the ones read at the start. */
static void file_intact(int line)
{
	unsigned char *b = malloc(BIG), *m;
	int ok;

	ok = b && pread(big, b, BIG, 0) == (ssize_t)BIG &&
	     !memcmp(b, ref, BIG) && fnv(ref, BIG) == ref_sum;
	m = mmap(NULL, BIG, PROT_READ, MAP_PRIVATE, big, 0);
	ok = ok && m != MAP_FAILED && !memcmp(m, ref, BIG);
	if (m != MAP_FAILED)
		munmap(m, BIG);
	free(b);
	checks++;
	if (!ok) {
		printf("mapabuse: line %d: big.bin's bytes changed\n", line);
		failures++;
	}
}

#define INTACT() file_intact(__LINE__)

/* A direct mapping of big.bin from off, len bytes, at a place of the
 * kernel's choosing (or addr with MAP_FIXED in flags). */
static unsigned char *map_big(void *addr, size_t len, off_t off, int flags)
{
	return mmap(addr, len, PROT_READ, MAP_PRIVATE | flags, big, off);
}

/* MAP_FIXED anonymous memory over part of a direct mapping, then over
 * half of it, then munmap of the middle: the rest still shows the file,
 * the new memory is zeroed and writable. */
static void fixed_over_direct(void)
{
	unsigned char *p = map_big(NULL, BIG, 0, 0), *q;

	CHECK(p != MAP_FAILED && !memcmp(p, ref, BIG));
	q = mmap(p + BIG / 4, BIG / 4, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(q == p + BIG / 4 && zeroes(q, BIG / 4));
	memset(q, 0x5a, BIG / 4);
	CHECK(!memcmp(p, ref, BIG / 4));
	CHECK(!memcmp(p + BIG / 2, ref + BIG / 2, BIG / 2));
	/* a file mapping at another offset over the second half */
	q = map_big(p + BIG / 2, BIG / 2, BIG / 4, MAP_FIXED);
	CHECK(q == p + BIG / 2 && !memcmp(q, ref + BIG / 4, BIG / 2));
	CHECK(mmap(p, PAGE, PROT_READ, MAP_PRIVATE | MAP_FIXED_NOREPLACE, big,
		   0) == MAP_FAILED &&
	      errno == EEXIST);
	/* the brk heap is not mmap's to place a file in */
	CHECK(map_big((char *)sbrk(0) + 64 * PAGE, PAGE, 0, MAP_FIXED) ==
		      MAP_FAILED &&
	      errno == ENOMEM);
	CHECK(munmap(p + PAGE, 3 * PAGE) == 0);
	CHECK(!memcmp(p, ref, PAGE) &&
	      !memcmp(p + 4 * PAGE, ref + 4 * PAGE, BIG / 4 - 4 * PAGE));
	/* anonymous memory where the file was: zeroes, not the file */
	q = mmap(p + PAGE, 3 * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	CHECK(q == p + PAGE && zeroes(q, 3 * PAGE));
	memset(q, 0xa5, 3 * PAGE);
	CHECK(munmap(p, BIG) == 0);
	INTACT();
}

/* A mapping longer than the file: the direct part, then an anonymous
 * tail of zeroes; cut across the boundary, made writable where it may
 * be, shrunk, grown and moved. */
static void past_the_end(void)
{
	size_t len = BIG + 4 * PAGE;
	unsigned char *p = map_big(NULL, len, 0, 0), *q;

	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	CHECK(!memcmp(p, ref, BIG) && zeroes(p + BIG, 4 * PAGE));
	CHECK(sys(mprotect(p, len, PROT_READ | PROT_WRITE)) == -EACCES);
	CHECK(sys(mprotect(p + BIG, 4 * PAGE, PROT_READ | PROT_WRITE)) == 0);
	memset(p + BIG, 0x11, 4 * PAGE);
	CHECK(sys(mprotect(p, PAGE, PROT_READ | PROT_EXEC)) == -EACCES);
	/* a range spanning the file region and the tail is two regions */
	CHECK(mremap(p + BIG - PAGE, 2 * PAGE, 4 * PAGE, MREMAP_MAYMOVE) ==
	      MAP_FAILED);
	/* the tail moves on its own, with its bytes */
	q = mremap(p + BIG + 2 * PAGE, 2 * PAGE, 64 * PAGE, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED && q[0] == 0x11 && q[2 * PAGE - 1] == 0x11 &&
	      zeroes(q + 2 * PAGE, 62 * PAGE));
	if (q != MAP_FAILED)
		CHECK(munmap(q, 64 * PAGE) == 0);
	/* the file region shrinks; growing it is refused */
	CHECK(mremap(p, BIG, BIG / 2, 0) == p);
	CHECK(!memcmp(p, ref, BIG / 2));
	CHECK(mremap(p, BIG / 2, BIG, MREMAP_MAYMOVE) == MAP_FAILED);
	CHECK(munmap(p, len) == 0);
	INTACT();
}

/* mprotect to nothing and back, then madvise(DONTNEED) and MADV_FREE on
 * the direct pages: they come back as the file's, never freed. */
static void protect_and_advise(void)
{
	unsigned char *p = map_big(NULL, BIG, 0, MAP_POPULATE), *a;

	CHECK(p != MAP_FAILED && !memcmp(p, ref, BIG));
	CHECK(mprotect(p + PAGE, BIG / 2, PROT_NONE) == 0);
	CHECK(mprotect(p, BIG, PROT_READ) == 0);
	CHECK(!memcmp(p, ref, BIG));
	CHECK(sys(mprotect(p, BIG, PROT_WRITE)) == -EACCES);
	CHECK(madvise(p, BIG, MADV_DONTNEED) == 0);
	CHECK(!memcmp(p, ref, BIG));
	CHECK(madvise(p + PAGE, 2 * PAGE, MADV_FREE) == 0 || errno == EINVAL);
	CHECK(!memcmp(p, ref, BIG));
	/* frames freed by mistake would be handed out again: take many and
	 * write them */
	a = mmap(NULL, 8 * BIG, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	CHECK(a != MAP_FAILED);
	if (a != MAP_FAILED) {
		memset(a, 0xee, 8 * BIG);
		CHECK(munmap(a, 8 * BIG) == 0);
	}
	CHECK(!memcmp(p, ref, BIG));
	CHECK(munmap(p, BIG) == 0);
	INTACT();
}

/* Private copies (writable, or of a file that is not page-aligned from
 * the offset asked): writes stay in the copy. */
static void copies(void)
{
	unsigned char *p =
		mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE, big, 0);
	unsigned char *s = mmap(NULL, BIG, PROT_READ, MAP_SHARED, big, 0);

	CHECK(p != MAP_FAILED && s != MAP_FAILED);
	if (p == MAP_FAILED || s == MAP_FAILED)
		return;
	CHECK(!memcmp(p, ref, BIG));
	memset(p, 0, BIG / 2);
	CHECK(!memcmp(s, ref, BIG));
	CHECK(sys(mprotect(s, BIG, PROT_READ | PROT_WRITE)) == -EACCES);
	p = mremap(p, BIG, 2 * BIG, MREMAP_MAYMOVE);
	CHECK(p != MAP_FAILED && zeroes(p, BIG / 2) &&
	      !memcmp(p + BIG / 2, ref + BIG / 2, BIG / 2) &&
	      zeroes(p + BIG, BIG));
	CHECK(munmap(p, 2 * BIG) == 0 && munmap(s, BIG) == 0);
	INTACT();
}

/* Offsets and lengths that are wrong or odd. */
static void odd_ranges(void)
{
	unsigned char *p;

	/* past the end of the file: zeroes (Linux: SIGBUS on touch) */
	p = map_big(NULL, 2 * PAGE, 2 * BIG, 0);
	CHECK(p != MAP_FAILED && zeroes(p, 2 * PAGE));
	if (p != MAP_FAILED)
		CHECK(munmap(p, 2 * PAGE) == 0);
	/* from the last page on */
	p = map_big(NULL, 3 * PAGE, BIG - PAGE, 0);
	CHECK(p != MAP_FAILED && !memcmp(p, ref + BIG - PAGE, PAGE) &&
	      zeroes(p + PAGE, 2 * PAGE));
	if (p != MAP_FAILED)
		CHECK(munmap(p, 3 * PAGE) == 0);
	/* a length that is not a page multiple */
	p = map_big(NULL, BIG - 100, 0, 0);
	CHECK(p != MAP_FAILED && !memcmp(p, ref, BIG));
	if (p != MAP_FAILED)
		CHECK(munmap(p, BIG - 100) == 0);
	CHECK(map_big(NULL, PAGE, 100, 0) == MAP_FAILED && errno == EINVAL);
	CHECK(map_big(NULL, PAGE, -(off_t)PAGE, 0) == MAP_FAILED);
	CHECK(map_big(NULL, 2 * PAGE, LONG_MAX & ~(PAGE - 1), 0) ==
		      MAP_FAILED &&
	      errno == EOVERFLOW);
	CHECK(map_big(NULL, 0, 0, 0) == MAP_FAILED && errno == EINVAL);
	/* descriptors that cannot be mapped, as Linux refuses them */
	{
		int path = open("/big/big.bin", O_PATH);
		int dir = open("/data", O_RDONLY | O_DIRECTORY);

		CHECK(path >= 0 && dir >= 0);
		CHECK(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, path, 0) ==
			      MAP_FAILED &&
		      errno == EBADF);
		CHECK(mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, dir, 0) ==
			      MAP_FAILED &&
		      errno == ENODEV);
		close(path);
		close(dir);
	}
	CHECK(map_big(NULL, SIZE_MAX & ~(PAGE - 1), 0, 0) == MAP_FAILED &&
	      errno == ENOMEM);
	/* a huge length: the file, then more than RAM of tail */
	CHECK(map_big(NULL, 1UL << 45, 0, 0) == MAP_FAILED && errno == ENOMEM);
	CHECK(map_big(NULL, 1UL << 45, 0, MAP_POPULATE) == MAP_FAILED);
	/* PROT_NONE and MAP_POPULATE of the file: nothing to touch */
	p = mmap(NULL, BIG, PROT_NONE, MAP_PRIVATE | MAP_POPULATE, big, 0);
	CHECK(p != MAP_FAILED);
	if (p != MAP_FAILED) {
		CHECK(mprotect(p, BIG, PROT_READ) == 0 && !memcmp(p, ref, BIG));
		CHECK(munmap(p, BIG) == 0);
	}
	/* two mappings of the file side by side, offsets that follow on:
	 * one region; a hole punched in the middle */
	p = map_big(NULL, BIG, 0, 0);
	CHECK(p != MAP_FAILED);
	if (p != MAP_FAILED) {
		CHECK(munmap(p + BIG / 2, BIG / 2) == 0);
		CHECK(map_big(p + BIG / 2, BIG / 2, BIG / 2, MAP_FIXED) ==
		      p + BIG / 2);
		CHECK(!memcmp(p, ref, BIG));
		CHECK(mremap(p, BIG, BIG - 8 * PAGE, 0) == p);
		CHECK(munmap(p + BIG / 2 - PAGE, 2 * PAGE) == 0);
		CHECK(!memcmp(p, ref, BIG / 2 - PAGE) &&
		      !memcmp(p + BIG / 2 + PAGE, ref + BIG / 2 + PAGE,
			      BIG / 2 - 9 * PAGE));
		CHECK(munmap(p, BIG) == 0);
	}
	INTACT();
}

/* A small file (a copy: its bytes are not a whole page): MADV_DONTNEED
 * on its mapping leaves the file's bytes there, as Linux does (Linux
 * reads them again; the copy keeps them). */
static void small_file(void)
{
	char want[64] = { 0 };
	int fd = open("/data/hello.txt", O_RDONLY);
	unsigned char *p;
	ssize_t n;

	CHECK(fd >= 0);
	n = read(fd, want, sizeof(want));
	CHECK(n > 0);
	p = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	CHECK(!memcmp(p, want, (size_t)n) && zeroes(p + n, PAGE - (size_t)n));
	CHECK(madvise(p, 2 * PAGE, MADV_DONTNEED) == 0);
	CHECK(!memcmp(p, want, (size_t)n) && zeroes(p + n, PAGE - (size_t)n));
	/* moved, it is still the file's copy */
	p = mremap(p, 2 * PAGE, 64 * PAGE, MREMAP_MAYMOVE);
	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	CHECK(madvise(p, 64 * PAGE, MADV_DONTNEED) == 0);
	CHECK(!memcmp(p, want, (size_t)n));
	CHECK(munmap(p, 64 * PAGE) == 0);
	close(fd);
}

/* A file of a page and a tail (/map/odd.txt, 5000 bytes): its first
 * page maps directly, the tail is a copy; both keep the file's bytes
 * through madvise, munmap of the direct page, and mremap of the tail. */
static void page_and_tail(void)
{
	static char want[10000];
	int fd = open("/map/odd.txt", O_RDONLY);
	unsigned char *p, *q;

	CHECK(fd >= 0 && read(fd, want, 8192) == 5000);
	p = mmap(NULL, 3 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	CHECK(p != MAP_FAILED);
	if (p == MAP_FAILED)
		return;
	CHECK(!memcmp(p, want, 5000) && zeroes(p + 5000, 3 * PAGE - 5000));
	CHECK(madvise(p, 3 * PAGE, MADV_DONTNEED) == 0);
	CHECK(!memcmp(p, want, 5000) && zeroes(p + 5000, 3 * PAGE - 5000));
	CHECK(sys(mprotect(p, 2 * PAGE, PROT_READ | PROT_WRITE)) == -EACCES);
	CHECK(mprotect(p + PAGE, 2 * PAGE, PROT_READ | PROT_WRITE) == 0);
	CHECK(munmap(p, PAGE) == 0);
	q = mremap(p + PAGE, 2 * PAGE, 16 * PAGE, MREMAP_MAYMOVE);
	CHECK(q != MAP_FAILED);
	if (q == MAP_FAILED)
		return;
	CHECK(!memcmp(q, want + PAGE, 5000 - PAGE));
	q[0] ^= 1;
	CHECK(munmap(q, 16 * PAGE) == 0);
	/* from the tail on: a copy of its bytes */
	p = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, PAGE);
	CHECK(p != MAP_FAILED && !memcmp(p, want + PAGE, 5000 - PAGE));
	if (p != MAP_FAILED)
		CHECK(munmap(p, PAGE) == 0);
	CHECK(pread(fd, want + 5000, 5000, 0) == 5000 &&
	      !memcmp(want, want + 5000, 5000));
	close(fd);
}

/* sendfile of big.bin to a file in /tmp (the generic path) and to
 * /dev/null, with offsets and counts that are wrong or odd. */
static void sendfiles(void)
{
	int out = open("/tmp/copy", O_RDWR | O_CREAT | O_TRUNC, 0644);
	int null = open("/dev/null", O_WRONLY), dir = open("/data", O_RDONLY);
	int path = open("/big/big.bin", O_PATH);
	unsigned char *b = malloc(BIG);
	unsigned char *ro =
		mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned char *none =
		mmap(NULL, PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	off_t off = 0;

	CHECK(out >= 0 && null >= 0 && dir >= 0 && path >= 0 && b &&
	      ro != MAP_FAILED && none != MAP_FAILED);
	CHECK(sendfile(out, big, &off, SIZE_MAX) == (ssize_t)BIG &&
	      off == (off_t)BIG);
	CHECK(pread(out, b, BIG, 0) == (ssize_t)BIG && !memcmp(b, ref, BIG));
	CHECK(sendfile(out, big, &off, 100) == 0);
	off = 3 * BIG;
	CHECK(sendfile(out, big, &off, 100) == 0 && off == 3 * (off_t)BIG);
	off = -1;
	CHECK(sys(sendfile(out, big, &off, 100)) == -EINVAL);
	off = LONG_MAX;
	CHECK(sys(sendfile(out, big, &off, 100)) == -EOVERFLOW);
	CHECK(sys(sendfile(out, big, (off_t *)none, 100)) == -EFAULT);
	CHECK(sys(sendfile(out, big, (off_t *)8, 100)) == -EFAULT);
	/* a read-only offset: the bytes go, the update faults */
	CHECK(sys(sendfile(null, big, (off_t *)ro, 100)) == -EFAULT);
	off = 0;
	CHECK(sendfile(null, big, &off, 0) == 0 && off == 0);
	CHECK(sys(sendfile(null, dir, NULL, 100)) == -EINVAL);
	CHECK(sys(sendfile(null, path, NULL, 100)) == -EBADF);
	CHECK(sys(sendfile(path, big, NULL, 100)) == -EBADF);
	CHECK(sys(sendfile(big, null, NULL, 100)) == -EBADF);
	/* from a /tmp file (pread into the bounce buffer) to itself */
	CHECK(lseek(out, 0, SEEK_SET) == 0);
	off = 0;
	CHECK(sendfile(null, out, NULL, SIZE_MAX) == (ssize_t)BIG &&
	      lseek(out, 0, SEEK_CUR) == (off_t)BIG);
	CHECK(sendfile(out, out, &off, BIG) == (ssize_t)BIG);
	CHECK(pread(out, b, BIG, BIG) == (ssize_t)BIG && !memcmp(b, ref, BIG));
	close(out);
	unlink("/tmp/copy");
	close(null);
	close(dir);
	close(path);
	munmap(ro, PAGE);
	munmap(none, PAGE);
	free(b);
	INTACT();
}

/* Free and promised memory now. */
static void mem_now(uint64_t *free_b, uint64_t *service)
{
	struct os_mem_stats st;

	os_mem_stats(&st);
	*free_b = st.free + st.page_tables;
	*service = st.heap + st.committed;
}

/* With the argument "env": the 100 names the image bakes (B_*) and
 * the 100 the boot line adds (C_*) are all in the environment. */
static int env_count(void)
{
	extern char **environ;
	int baked = 0, boot = 0;

	for (char **e = environ; *e; e++) {
		baked += !strncmp(*e, "B_", 2) && strstr(*e, "=baked");
		boot += !strncmp(*e, "C_", 2) && strstr(*e, "=boot");
	}
	printf("mapabuse: environment: %d baked, %d from the boot line\n",
	       baked, boot);
	return baked == 100 && boot == 100 ? 0 : 1;
}

int main(int argc, char **argv)
{
	uint64_t free0, service0, free1, service1;

	if (argc > 1 && !strcmp(argv[1], "env"))
		return env_count();

	big = open("/big/big.bin", O_RDONLY);
	ref = malloc(BIG);
	if (big < 0 || !ref || pread(big, ref, BIG, 0) != (ssize_t)BIG) {
		printf("mapabuse: cannot read /big/big.bin\n");
		return 1;
	}
	ref_sum = fnv(ref, BIG);
	printf("mapabuse: big.bin fnv %016llx\n", (unsigned long long)ref_sum);
	INTACT();    /* warm: stdio, the heap, page tables */
	sendfiles(); /* and sendfile's bounce buffer, /tmp's first file */
	mem_now(&free0, &service0);
	static void (*const phases[])(void) = {
		fixed_over_direct, past_the_end, protect_and_advise, copies,
		odd_ranges,	   small_file,	 page_and_tail,	     sendfiles,
	};
	for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++) {
		phases[i]();
		mem_now(&free1, &service1);
		printf("mapabuse: phase %zu: free+tables %lld service %lld\n",
		       i, (long long)(free1 - free0),
		       (long long)(service1 - service0));
	}
	mem_now(&free1, &service1);
	printf("mapabuse: free+tables %llu -> %llu, service %llu -> %llu\n",
	       (unsigned long long)free0, (unsigned long long)free1,
	       (unsigned long long)service0, (unsigned long long)service1);
	CHECK(free1 == free0 && service1 == service0);
	if (failures) {
		printf("mapabuse: %d of %d checks failed\n", failures, checks);
		return 1;
	}
	printf("mapabuse: %d checks ok\n", checks);
	return 0;
}
