/* efaulttest: bad pointers passed to system calls fail with EFAULT and the
 * service goes on, for the VM tests. Every call is made through syscall()
 * so that musl's wrappers touch nothing first. The bad pointers: NULL, a
 * page of the service window that was unmapped, a PROT_NONE page, a
 * read-only page for calls that write, a string literal (.rodata) for
 * calls that write, kernel RAM outside the image (identity-mapped and
 * writable), the kernel's boot stack (in the image's .bss), and ranges
 * that wrap around the end of the address space. Then the good cases: a
 * read into a freshly mapped page never touched (the copy takes its first
 * fault), buffers across two regions, zero-length buffers, epoll_ctl
 * EPOLL_CTL_DEL with no event. Last, the kernel's fault-recovering copies
 * are called directly (the image is one program) with addresses no
 * system call lets through, so that their faults (page faults, and #GP
 * for a non-canonical address) go through the exception table. Prints
 * "efaulttest: <n> checks ok" and exits 0, or names each failure and
 * exits 1. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL
#define ARCH_GET_FS 0x1003

extern char __image_end[];	    /* the linker script's */
extern char arch_boot_stack_base[]; /* arch/x86_64/boot.S */
/* kern/uaccess.h */
int kern_copy_safe(void *dst, const void *src, size_t n);
long kern_strncpy_safe(char *dst, const char *src, size_t n);

static int failures, checks;

/* Record a failed expectation with its line and errno. */
#define CHECK(cond)                                                           \
	do {                                                                  \
		checks++;                                                     \
		if (!(cond)) {                                                \
			printf("efaulttest: line %d: %s failed (errno %d)\n", \
			       __LINE__, #cond, errno);                       \
			failures++;                                           \
		}                                                             \
	} while (0)

/* The call must fail with EFAULT. */
#define EFAULT_OF(call)                                            \
	do {                                                       \
		errno = 0;                                         \
		long r_ = (call);                                  \
		checks++;                                          \
		if (r_ != -1 || errno != EFAULT) {                 \
			printf("efaulttest: line %d: %s returned " \
			       "%ld (errno %d), not EFAULT\n",     \
			       __LINE__, #call, r_, errno);        \
			failures++;                                \
		}                                                  \
	} while (0)

/* The bad pointers, for calls that read (bad_in) and calls that write
 * (bad_out: those plus read-only memory). */
enum {
	NBAD_IN = 6,
	NBAD_OUT = 8
};
static void *bad[NBAD_OUT];
static const char *const bad_name[NBAD_OUT] = {
	"NULL",	      "unmapped page", "PROT_NONE page", "kernel RAM",
	"boot stack", "wrapping",      "read-only page", "string literal",
};

static void *map(size_t len, int prot)
{
	void *p = mmap(0, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		printf("efaulttest: mmap failed\n");
		_exit(1);
	}
	return p;
}

static void make_bad(void)
{
	char *gone = map(2 * PAGE, PROT_READ | PROT_WRITE);
	uintptr_t kram = ((uintptr_t)__image_end + 2 * PAGE) & ~(PAGE - 1);

	munmap(gone, 2 * PAGE);
	bad[0] = NULL;
	bad[1] = gone + 8;
	bad[2] = map(PAGE, PROT_NONE);
	bad[3] = (void *)kram;
	bad[4] = arch_boot_stack_base + 512;
	bad[5] = (void *)-PAGE; /* with 2 pages: past the top, wrapping */
	bad[6] = map(PAGE, PROT_READ);
	bad[7] = (void *)"a string literal in .rodata";
	printf("efaulttest: image ends at %p; kernel RAM %p; boot stack %p\n",
	       (void *)__image_end, bad[3], bad[4]);
}

/* The length to pass with bad pointer i (wraps for the wrapping one). */
static size_t len_for(int i, size_t n)
{
	return i == 5 ? 2 * PAGE : n;
}

static void file_calls(int efd, int tfd, int ep)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct iovec iov = { 0, 8 };

	for (int i = 0; i < NBAD_OUT; i++) {
		void *b = bad[i];

		printf("efaulttest: %s\n", bad_name[i]);
		EFAULT_OF(syscall(SYS_read, efd, b, len_for(i, 8)));
		EFAULT_OF(syscall(SYS_ioctl, 1, TIOCGWINSZ, b));
		EFAULT_OF(syscall(SYS_fstat, efd, b));
		EFAULT_OF(syscall(SYS_timerfd_gettime, tfd, b));
		EFAULT_OF(syscall(SYS_epoll_wait, ep, b, 1, 0));
		iov.iov_base = b;
		iov.iov_len = len_for(i, 8);
		EFAULT_OF(syscall(SYS_readv, efd, &iov, 1));
		EFAULT_OF(syscall(SYS_poll, b, 1, 0));
		if (b) /* NULL: no set (and here no timeout: forever) */
			EFAULT_OF(syscall(SYS_select, efd + 1, b, 0, 0, 0));
		if (i >= NBAD_IN)
			continue;
		/* b is not even readable */
		EFAULT_OF(syscall(SYS_ioctl, efd, FIONBIO, b));
		EFAULT_OF(syscall(SYS_readv, efd, b, 1));
		EFAULT_OF(syscall(SYS_write, efd, b, len_for(i, 8)));
		EFAULT_OF(syscall(SYS_write, 1, b, len_for(i, 8)));
		EFAULT_OF(syscall(SYS_writev, efd, &iov, 1));
		EFAULT_OF(syscall(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, efd, b));
		EFAULT_OF(syscall(SYS_epoll_ctl, ep, EPOLL_CTL_MOD, tfd, b));
		EFAULT_OF(syscall(SYS_timerfd_settime, tfd, 0, b, 0));
		EFAULT_OF(syscall(SYS_open, b, O_RDONLY));
		EFAULT_OF(syscall(SYS_access, b, R_OK));
		if (!b)
			continue; /* NULL: no timeout, no signal mask */
		EFAULT_OF(syscall(SYS_ppoll, 0, 0, b, 0, 8));
		EFAULT_OF(syscall(SYS_epoll_pwait, ep, &ev, 1, 0, b, 8));
	}
}

static void sock_calls(int us, int ts)
{
	char buf[64];
	socklen_t len = sizeof(int);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t slen = sizeof(sin);
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	for (int i = 0; i < NBAD_OUT; i++) {
		void *b = bad[i];

		printf("efaulttest: sockets, %s\n", bad_name[i]);
		EFAULT_OF(syscall(SYS_getsockopt, us, SOL_SOCKET, SO_TYPE, b,
				  &len));
		EFAULT_OF(syscall(SYS_getsockopt, us, SOL_SOCKET, SO_TYPE, buf,
				  b));
		EFAULT_OF(syscall(SYS_recvfrom, us, b, len_for(i, 16),
				  MSG_DONTWAIT, 0, 0));
		if (b) /* NULL: no address wanted */
			EFAULT_OF(syscall(SYS_recvfrom, us, buf, 16,
					  MSG_DONTWAIT, b, &slen));
		EFAULT_OF(syscall(SYS_getsockname, us, b, &slen));
		EFAULT_OF(syscall(SYS_getsockname, us, &sin, b));
		EFAULT_OF(syscall(SYS_ioctl, us, FIONREAD, b));
		if (b)
			EFAULT_OF(syscall(SYS_accept4, ts, b, &slen,
					  SOCK_NONBLOCK));
		EFAULT_OF(syscall(SYS_recvmsg, us, b, MSG_DONTWAIT));
		iov.iov_base = b;
		iov.iov_len = len_for(i, 16);
		EFAULT_OF(syscall(SYS_recvmsg, us, &m, MSG_DONTWAIT));
		iov = (struct iovec){ buf, sizeof(buf) };
		if (i >= NBAD_IN)
			continue;
		EFAULT_OF(syscall(SYS_setsockopt, us, SOL_SOCKET, SO_RCVTIMEO,
				  b, sizeof(struct timeval)));
		EFAULT_OF(syscall(SYS_setsockopt, us, SOL_SOCKET, SO_REUSEADDR,
				  b, sizeof(int)));
		EFAULT_OF(syscall(SYS_sendto, us, b, len_for(i, 16), 0, &sin,
				  sizeof(sin)));
		if (b) /* NULL: no destination */
			EFAULT_OF(syscall(SYS_sendto, us, buf, 16, 0, b,
					  sizeof(sin)));
		EFAULT_OF(syscall(SYS_bind, us, b, sizeof(sin)));
		EFAULT_OF(syscall(SYS_connect, us, b, sizeof(sin)));
		EFAULT_OF(syscall(SYS_sendmsg, us, b, 0));
		m.msg_iov = b;
		EFAULT_OF(syscall(SYS_sendmsg, us, &m, 0));
		m.msg_iov = &iov;
	}
}

static void other_calls(void)
{
	struct stat st;
	struct itimerval itv = { { 0, 0 }, { 0, 0 } };

	for (int i = 0; i < NBAD_OUT; i++) {
		void *b = bad[i];

		printf("efaulttest: time, signals, misc, %s\n", bad_name[i]);
		EFAULT_OF(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, b));
		EFAULT_OF(syscall(SYS_getitimer, ITIMER_REAL, b));
		EFAULT_OF(syscall(SYS_rt_sigpending, b, 8));
		EFAULT_OF(syscall(SYS_uname, b));
		EFAULT_OF(syscall(SYS_getrandom, b, len_for(i, 16), 0));
		EFAULT_OF(syscall(SYS_arch_prctl, ARCH_GET_FS, b));
		EFAULT_OF(syscall(SYS_stat, "/etc/hosts", b));
		if (b) { /* NULL: the result is not wanted */
			EFAULT_OF(
				syscall(SYS_clock_getres, CLOCK_MONOTONIC, b));
			EFAULT_OF(syscall(SYS_gettimeofday, b, 0));
			EFAULT_OF(syscall(SYS_time, b));
			EFAULT_OF(syscall(SYS_setitimer, ITIMER_REAL, &itv, b));
			EFAULT_OF(syscall(SYS_rt_sigaction, SIGUSR1, 0, b, 8));
			EFAULT_OF(syscall(SYS_rt_sigprocmask, SIG_BLOCK, 0, b,
					  8));
		}
		if (i >= NBAD_IN)
			continue;
		EFAULT_OF(syscall(SYS_nanosleep, b, 0));
		EFAULT_OF(
			syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, b, 0));
		EFAULT_OF(syscall(SYS_stat, b, &st));
		if (!b)
			continue; /* NULL: no new setting */
		EFAULT_OF(syscall(SYS_setitimer, ITIMER_REAL, b, 0));
		EFAULT_OF(syscall(SYS_rt_sigaction, SIGUSR1, b, 0, 8));
		EFAULT_OF(syscall(SYS_rt_sigprocmask, SIG_BLOCK, b, 0, 8));
	}
}

/* A path whose bytes run off the end of a mapping: no NUL before it. */
static void unterminated_path(void)
{
	char *p = map(2 * PAGE, PROT_READ | PROT_WRITE);
	char *s = p + PAGE - 10;

	munmap(p + PAGE, PAGE);
	memcpy(s, "/etc/hosts", 10);
	EFAULT_OF(syscall(SYS_open, s, O_RDONLY));
	memset(p, 'a', PAGE);
	errno = 0;
	CHECK(syscall(SYS_open, p, O_RDONLY) == -1 && errno == ENAMETOOLONG);
	munmap(p, PAGE);
}

/* Calls that must work: fresh pages taken on first touch by the copy,
 * a buffer across two regions, zero lengths, DEL without an event. */
static void good_calls(int efd, int ep)
{
	char *fresh = map(2 * PAGE, PROT_READ | PROT_WRITE);
	char *two = map(2 * PAGE, PROT_READ | PROT_WRITE);
	struct timespec *ts = map(PAGE, PROT_READ | PROT_WRITE);
	int fd = open("/etc/hosts", O_RDONLY);
	uint64_t one = 1, v = 0;
	long n;

	CHECK(fd >= 0);
	n = syscall(SYS_read, fd, fresh + PAGE - 4, 64); /* across two pages */
	CHECK(n > 20 && !memcmp(fresh + PAGE - 4, "127.0.0.1 localhost", 19));
	close(fd);
	/* 1 written from a read-write region and the read-only one above */
	memcpy(two + PAGE - 4, &one, 4);
	CHECK(mprotect(two + PAGE, PAGE, PROT_READ) == 0);
	CHECK(syscall(SYS_write, efd, two + PAGE - 4, 8) == 8);
	CHECK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, ts) == 0 &&
	      ts->tv_sec + ts->tv_nsec > 0);
	CHECK(syscall(SYS_read, efd, NULL, 0) == -1 && errno == EINVAL);
	CHECK(syscall(SYS_write, 1, NULL, 0) == 0);
	CHECK(syscall(SYS_poll, NULL, 0, 0) == 0);
	CHECK(syscall(SYS_epoll_ctl, ep, EPOLL_CTL_DEL, efd, NULL) == 0);
	/* the counter survived every failed read and write */
	CHECK(syscall(SYS_read, efd, &v, 8) == 8 && v == 6);
}

/* The copies themselves on addresses that fault: each fault is
 * recovered through the exception table and the copy fails; a first
 * touch is resolved and the copy goes on. */
static void copy_faults(void)
{
	static const char ro[] = "in .rodata";
	char *two = map(2 * PAGE, PROT_READ | PROT_WRITE);
	char *fresh = map(PAGE, PROT_READ | PROT_WRITE);
	char buf[16] = "";

	printf("efaulttest: copies through the exception table\n");
	munmap(two + PAGE, PAGE);
	memcpy(two + PAGE - 4, "abcd", 4);
	CHECK(kern_copy_safe(buf, NULL, 8) == -EFAULT);
	CHECK(kern_copy_safe(NULL, buf, 8) == -EFAULT);
	CHECK(kern_copy_safe(buf, bad[1], 8) == -EFAULT); /* unmapped */
	CHECK(kern_copy_safe(bad[2], buf, 8) == -EFAULT); /* PROT_NONE */
	CHECK(kern_copy_safe((void *)ro, buf, 4) == -EFAULT);
	CHECK(kern_copy_safe((void *)((uintptr_t)arch_boot_stack_base - 64),
			     buf, 8) == -EFAULT); /* its guard page */
	CHECK(kern_copy_safe(buf, (void *)0x8000000000000000ULL, 8) ==
	      -EFAULT); /* non-canonical: #GP */
	CHECK(kern_copy_safe(buf, two + PAGE - 4, 8) == -EFAULT &&
	      !memcmp(buf, "abcd", 4)); /* up to the fault */
	CHECK(kern_strncpy_safe(buf, NULL, 8) == -EFAULT);
	CHECK(kern_strncpy_safe(buf, two + PAGE - 4, 8) == -EFAULT);
	CHECK(kern_strncpy_safe((char *)ro, "x", 2) == -EFAULT);
	CHECK(kern_strncpy_safe(buf, "hi", 8) == 2 && !strcmp(buf, "hi"));
	CHECK(kern_copy_safe(fresh + 100, "first", 6) == 0 &&
	      !strcmp(fresh + 100, "first")); /* first touch */
	CHECK(!strcmp(ro, "in .rodata"));
}

int main(void)
{
	int efd = eventfd(5, EFD_NONBLOCK);
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);
	int ep = epoll_create1(0);
	int us = socket(AF_INET, SOCK_DGRAM, 0);
	int ts = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(7000) };
	struct epoll_event ev = { .events = EPOLLIN };

	CHECK(efd >= 0 && tfd >= 0 && ep >= 0 && us >= 0 && ts >= 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) == 0);
	CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev) == 0);
	CHECK(bind(ts, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	CHECK(listen(ts, 4) == 0);
	make_bad();
	file_calls(efd, tfd, ep);
	sock_calls(us, ts);
	other_calls();
	unterminated_path();
	good_calls(efd, ep);
	copy_faults();
	if (failures) {
		printf("efaulttest: %d of %d checks failed\n", failures,
		       checks);
		return 1;
	}
	printf("efaulttest: %d checks ok\n", checks);
	return 0;
}
