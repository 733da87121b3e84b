/* System-call dispatch: the one table from Linux x86_64 numbers (musl's
 * <sys/syscall.h>) to their implementations, all of the one signature
 * kern_syscall_fn. The calls every image has are filled in here; the
 * optional parts linked in add theirs at boot (kern_syscall_register:
 * net/'s sockets, and the kernel's epoll, poll/select, eventfd, timerfd
 * and interval timers, each in an image only when its service uses it). */
#include <errno.h>
#include <sys/syscall.h>

#include <kern/console.h>
#include <kern/prof.h>
#include "proc/signal.h"
#include <kern/syscall.h>

#include "core/sys.h"

#define NR_MAX 512

static kern_syscall_fn table[NR_MAX] = {
	[SYS_read] = sys_read,
	[SYS_write] = sys_write,
	[SYS_readv] = sys_readv,
	[SYS_writev] = sys_writev,
	[SYS_ioctl] = sys_ioctl,
	[SYS_close] = sys_close,
	[SYS_lseek] = sys_lseek,
	[SYS_fcntl] = sys_fcntl,
	[SYS_dup] = sys_dup,
	[SYS_dup2] = sys_dup2,
	[SYS_dup3] = sys_dup3,
	[SYS_fstat] = sys_fstat,
	[SYS_brk] = sys_brk,
	[SYS_mmap] = sys_mmap,
	[SYS_munmap] = sys_munmap,
	[SYS_mremap] = sys_mremap,
	[SYS_madvise] = sys_madvise,
	[SYS_mprotect] = sys_mprotect,
	[SYS_exit] = sys_exit,
	[SYS_exit_group] = sys_exit,
	[SYS_arch_prctl] = sys_arch_prctl,
	[SYS_set_tid_address] = sys_set_tid_address,
	[SYS_getpid] = sys_getpid,
	[SYS_gettid] = sys_getpid,
	[SYS_getppid] = sys_getppid,
	[SYS_getuid] = sys_getuid,
	[SYS_geteuid] = sys_getuid,
	[SYS_getgid] = sys_getuid,
	[SYS_getegid] = sys_getuid,
	[SYS_rt_sigprocmask] = sys_rt_sigprocmask,
	[SYS_rt_sigaction] = sys_rt_sigaction,
	[SYS_rt_sigpending] = sys_rt_sigpending,
	[SYS_clock_gettime] = sys_clock_gettime,
	[SYS_clock_getres] = sys_clock_getres,
	[SYS_gettimeofday] = sys_gettimeofday,
	[SYS_time] = sys_time,
	[SYS_nanosleep] = sys_nanosleep,
	[SYS_clock_nanosleep] = sys_clock_nanosleep,
	[SYS_kill] = sys_kill,
	[SYS_tkill] = sys_tkill,
	[SYS_tgkill] = sys_tgkill,
	[SYS_uname] = sys_uname,
	[SYS_sched_yield] = sys_sched_yield,
	[SYS_getrandom] = sys_getrandom,
};

static unsigned char logged[NR_MAX / 8];

/* Log an unimplemented call the first time it is made, in one line
 * saying where to look; the first such line also says why a call libos
 * has can still be missing from an image. */
static void log_unknown(long nr)
{
	static int hinted;
	const char *name = kern_syscall_name(nr);

	if (nr >= 0 && nr < NR_MAX) {
		if (logged[nr / 8] & (1 << (nr % 8)))
			return;
		logged[nr / 8] |= 1 << (nr % 8);
	}
	kern_info("system call %s (%ld) is not supported: ENOSYS; "
		  "docs/porting.md says what libos has and what to use "
		  "instead%s",
		  name ? name : "?", nr,
		  hinted++ ? "" :
			     " (a call libos has but made by number through "
			     "syscall(2) needs os_add_executable(... USES "
			     "<part>))");
}

/* The layer (kern/prof.h) each call's time is charged to, plus one; 0
 * (a call registered without a layer) is the kernel's. */
static unsigned char layer_of[NR_MAX];

int kern_syscall_register(long nr, kern_syscall_fn fn)
{
	if (nr < 0 || nr >= NR_MAX || table[nr])
		return -EBUSY;
	table[nr] = fn;
	return 0;
}

int kern_syscall_register_layer(long nr, kern_syscall_fn fn, int layer)
{
	int err = kern_syscall_register(nr, fn);

	if (!err)
		layer_of[nr] = (unsigned char)(layer + 1);
	return err;
}

int kern_syscall_register_all(const struct kern_syscall_entry *e,
			      unsigned long n)
{
	for (unsigned long i = 0; i < n; i++) {
		int err = kern_syscall_register(e[i].nr, e[i].fn);

		if (err)
			return err;
	}
	return 0;
}

long kern_syscall(long nr, const long *args)
{
	long r;
	int prev;

	if (nr >= 0 && nr < NR_MAX && table[nr]) {
		prev = kern_prof_enter(layer_of[nr] ? layer_of[nr] - 1 :
						      KERN_PROF_KERNEL);
		r = table[nr](args);
		kern_prof_leave(prev);
	} else {
		log_unknown(nr);
		r = -ENOSYS;
	}
	if (kern_signal_pending())
		kern_signal_deliver();
	return r;
}
