/* Host stand-ins for the kernel below net/ and the file layer (see
 * host_kernel.h): time is simulated and moves only when a call waits
 * with nothing to do, jumping to the next timer deadline, so tests of
 * timeouts and retransmissions run in microseconds and always the same
 * way. The timers are the kernel's own service (kernel/time/timer.c and
 * timerq.c, linked unchanged); only the clock and the hardware timer
 * under it are simulated here. The event loop's work is lwIP's loopback
 * queue (when the host lwIP has it), the due timers and the work asked
 * for at the end of a pass (the kernel's own queue, kernel/core/deferq.c;
 * net/timers.c asks for lwIP's). Pools and frames come from malloc, so
 * ASan sees every object on its own. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include <arch/irq.h>
#include <kern/clock.h>
#include <kern/console.h>
#include <kern/entropy.h>
#include <kern/exit.h>
#include <kern/file.h>
#include <kern/loop.h>
#include <kern/mm.h>
#include "proc/signal.h"
#include <kern/syscall.h>
#include <kern/timer.h>
#include <lwip/init.h>
#include <lwip/netif.h>
#include <lwip/pbuf.h>

#include "fs/fdtable.h"
#include "fs/file_internal.h"
#include "mm/pool.h"
#include "core/deferq.h"
#include "core/sys.h"
#include "fs/vfs_calls.h"

#include "host_kernel.h"

#define NSYS 512

void net_socket_init(void); /* net/sockapi.h */

static uint64_t now_ns = HOST_S; /* sys_now() starts at 1000 ms */
static kern_syscall_fn net_calls[NSYS];
static unsigned stuck;
static uint32_t rnd = 0x2545f491;
static int log_on;
static int drop_loopback;

/* ---- Log, diagnostics, assertions. */

static void vlog(const char *prefix, const char *fmt, va_list ap)
{
	if (!log_on)
		return;
	fprintf(stderr, "%s", prefix);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void kern_log(enum kern_log_level level, const char *fmt, ...)
{
	va_list ap;

	(void)level;
	va_start(ap, fmt);
	vlog("os: ", fmt, ap);
	va_end(ap);
}

void kern_panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("os: panic: ", fmt, ap);
	va_end(ap);
	abort();
}

void net_diag(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog("lwip: ", fmt, ap);
	va_end(ap);
}

void net_assert_fail(const char *msg, const char *file, int line)
{
	fprintf(stderr, "lwIP assertion \"%s\" failed at %s:%d\n", msg, file,
		line);
	abort();
}

void host_log_enable(int on)
{
	log_on = on;
}

/* ---- Memory: lwIP's heap, frames, pools. */

void *net_malloc(size_t size)
{
	return malloc(size ? size : 1);
}

void *net_calloc(size_t n, size_t size)
{
	return calloc(n ? n : 1, size ? size : 1);
}

static size_t pressure;

size_t net_heap_pressure(void)
{
	return pressure;
}

size_t net_heap_left(void)
{
	return pressure; /* as if nearly all of it were free */
}

void host_set_pressure(size_t limit)
{
	pressure = limit;
}

void net_free(void *p)
{
	free(p);
}

void *kern_mm_alloc(size_t n)
{
	void *p = aligned_alloc(4096, n * 4096);

	if (!p)
		abort();
	return memset(p, 0, n * 4096);
}

void *kern_mm_try_alloc(size_t n)
{
	return kern_mm_alloc(n);
}

void kern_mm_free(void *p, size_t n)
{
	(void)n;
	free(p);
}

void *kern_pool_get(struct kern_pool *p)
{
	void *obj;

	if (p->used >= p->max)
		return NULL;
	obj = calloc(1, p->size);
	if (!obj)
		abort();
	p->used++;
	return obj;
}

void kern_pool_put(struct kern_pool *p, void *obj)
{
	free(obj);
	p->used--;
}

/* ---- Random numbers: xorshift32, reproducible. */

uint32_t kern_random_u32(void)
{
	rnd ^= rnd << 13;
	rnd ^= rnd >> 17;
	rnd ^= rnd << 5;
	return rnd;
}

void host_random_seed(uint32_t seed)
{
	rnd = seed ? seed : 1;
}

uint32_t host_random_peek(void)
{
	uint32_t saved = rnd, v = kern_random_u32();

	rnd = saved;
	return v;
}

/* ---- Time, and the hardware under the kernel's timer service. */

uint64_t kern_clock_ns(void)
{
	return now_ns;
}

uint64_t host_now(void)
{
	return now_ns;
}

/* The loop below never waits for the timer interrupt (time jumps to
 * kern_timer_next() instead), so programming the timer does nothing.
 * The timer is the one-shot kind: timer.c never asks for TSC-deadline
 * mode, and with it for kern_clock_tsc(). */
int arch_lapic_has_tsc_deadline(void)
{
	return 0;
}

void arch_lapic_timer_oneshot(uint32_t count)
{
	(void)count;
}

void arch_lapic_timer_deadline(uint64_t tsc)
{
	(void)tsc;
	abort();
}

uint64_t kern_clock_lapic_hz(void)
{
	return HOST_S; /* a tick a nanosecond, like the clock */
}

const struct kern_tsc_conv *kern_clock_tsc(void)
{
	abort();
}

/* Loop passes one host_run() may make before it counts the loop as
 * stuck: a timer that is due again at once, every time it runs, would
 * otherwise spin here for good (as the guest's loop would). The kernel's
 * kern_timer_run_due() returns after the timers queued when it began,
 * so such a timer costs one pass each time. */
#define RUN_MAX 1000000

/* ---- The event loop. */

void host_drop_loopback(int on)
{
	drop_loopback = on;
}

/* Deliver (or lose) the frames waiting on lwIP's loopback interfaces. */
static int run_loopback(void)
{
	int n = 0;

#if LWIP_NETIF_LOOPBACK
	struct netif *nif;

	NETIF_FOREACH(nif)
	{
		struct pbuf *lost = nif->loop_first;

		if (!lost)
			continue;
		n++;
		if (!drop_loopback) {
			netif_poll(nif);
			continue;
		}
		nif->loop_first = nif->loop_last = NULL;
		pbuf_free(lost); /* the queue is one chain */
	}
#endif
	return n;
}

/* The work asked for at the end of a pass (kern/loop.h), on the
 * kernel's own queue (kernel/core/deferq.c, linked unchanged). */
static struct kern_deferq at_end;
static int in_pass;

void kern_loop_defer(struct kern_deferred *d)
{
	kern_deferq_add(&at_end, d);
}

int kern_loop_in_pass(void)
{
	return in_pass;
}

/* One pass, as the kernel's loop makes it: the loopback frames (the
 * guest's interrupts), the due timers, then the end-of-pass work. */
static int pass(void)
{
	int outer = in_pass, n;

	in_pass = 1;
	n = run_loopback() + kern_timer_run_due();
	n += kern_deferq_run(&at_end);
	in_pass = outer;
	return n;
}

int host_run(void)
{
	int total = 0, n, passes = 0;

	do {
		n = pass();
		total += n;
		if (++passes == RUN_MAX) {
			stuck++;
			kern_log(KERN_LOG_QUIET, "loop: work never ends");
			break;
		}
	} while (n);
	return total;
}

void host_jump(uint64_t ns)
{
	now_ns += ns;
}

void host_advance(uint64_t ns)
{
	uint64_t end = now_ns + ns;
	unsigned stuck_before = stuck;

	host_run();
	while (kern_timer_next() <= end && stuck == stuck_before) {
		if (kern_timer_next() > now_ns)
			now_ns = kern_timer_next();
		host_run();
	}
	now_ns = end;
	host_run();
}

unsigned host_stuck(void)
{
	return stuck;
}

int kern_loop_wait(int (*cond)(void *), void *arg, uint64_t deadline,
		   int interruptible)
{
	unsigned stuck_before = stuck;

	for (;;) {
		uint64_t next;

		host_run();
		if (stuck != stuck_before)
			return interruptible ? -EINTR : -ETIMEDOUT;
		if (cond && cond(arg))
			return 0;
		if (now_ns >= deadline)
			return -ETIMEDOUT;
		next = kern_timer_next();
		if (next == UINT64_MAX && deadline == KERN_LOOP_FOREVER) {
			stuck++; /* would sleep forever: say "a signal" */
			kern_log(KERN_LOG_QUIET, "loop: waiting forever");
			return interruptible ? -EINTR : -ETIMEDOUT;
		}
		if (next > now_ns)
			now_ns = next < deadline ? next : deadline;
	}
}

int kern_loop_poll(void)
{
	return host_run();
}

/* ---- Signals: none ever arrive. */

unsigned long long kern_signal_setmask(unsigned long long mask)
{
	(void)mask;
	return 0;
}

void kern_signal_deliver(void)
{
}

int kern_signal_pending(void)
{
	return 0;
}

/* ---- The console file on descriptors 0-2 (output to stderr). */

static ssize_t con_write(struct kern_file *f, const void *buf, size_t n)
{
	(void)f;
	return (ssize_t)fwrite(buf, 1, n, stderr);
}

static const struct kern_file_ops console_ops = {
	.name = "console",
	.write = con_write,
};

struct kern_file *kern_console_file(void)
{
	struct kern_file *f = kern_file_new(&console_ops, NULL, O_RDWR);

	if (!f)
		abort();
	kern_file_set_polled(f);
	return f;
}

void kern_synth_defaults(void)
{
}

/* ---- System calls. */

int kern_syscall_register(long nr, kern_syscall_fn fn)
{
	if (nr < 0 || nr >= NSYS || net_calls[nr])
		return -EBUSY;
	net_calls[nr] = fn;
	return 0;
}

int kern_syscall_register_layer(long nr, kern_syscall_fn fn, int layer)
{
	(void)layer;
	return kern_syscall_register(nr, fn);
}

/* kern/prof.h: no time by layer on the host (the option is never set,
 * so the inline enter and leave never call out). */
int kern_prof_on;

int kern_prof_switch(int layer)
{
	return layer;
}

void kern_prof_restore(int prev)
{
	(void)prev;
}

int kern_syscall_register_all(const struct kern_syscall_entry *e,
			      unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		if (kern_syscall_register(e[i].nr, e[i].fn))
			return -EBUSY;
	return 0;
}

/* The kernel's own calls that sockets go through. */
static kern_syscall_fn kernel_call(long nr)
{
	switch (nr) {
	case SYS_read:
		return sys_read;
	case SYS_write:
		return sys_write;
	case SYS_readv:
		return sys_readv;
	case SYS_writev:
		return sys_writev;
	case SYS_close:
		return sys_close;
	case SYS_fcntl:
		return sys_fcntl;
	case SYS_ioctl:
		return sys_ioctl;
	case SYS_dup:
		return sys_dup;
	case SYS_lseek:
		return sys_lseek;
	case SYS_sendfile:
		return sys_sendfile;
	case SYS_poll:
		return sys_poll;
	case SYS_ppoll:
		return sys_ppoll;
	case SYS_select:
		return sys_select;
	case SYS_epoll_create1:
		return sys_epoll_create1;
	case SYS_epoll_ctl:
		return sys_epoll_ctl;
	case SYS_epoll_wait:
		return sys_epoll_wait;
	case SYS_epoll_pwait:
		return sys_epoll_pwait;
	default:
		return NULL;
	}
}

long host_syscall(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	const long a[6] = { a0, a1, a2, a3, a4, a5 };
	kern_syscall_fn fn = nr >= 0 && nr < NSYS ? net_calls[nr] : NULL;

	if (!fn)
		fn = kernel_call(nr);
	return fn ? fn(a) : -ENOSYS;
}

int host_fd_count(void)
{
	return kern_fdtable_count(kern_fd_table());
}

void host_kernel_init(void)
{
	const char *env = getenv("HOST_NET_LOG");

	log_on = env && *env && *env != '0';
	kern_timer_init();
	kern_file_init();
	lwip_init();
	net_socket_init();
}
