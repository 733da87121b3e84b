/* Process-level system calls for the one service: exit, thread pointer,
 * identity, signal mask, signals to itself, uname. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/utsname.h>

#include <arch/cpu.h>
#include <arch/trap.h>
#include <kern/console.h>
#include <kern/exit.h>

#include "sys.h"

#define SERVICE_PID 1
#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

static uint64_t sigmask;

long sys_exit(const long *a)
{
	kern_exit((int)(a[0] & 0xff));
}

long sys_arch_prctl(const long *a)
{
	if ((a[0] == ARCH_SET_FS || a[0] == ARCH_SET_GS) &&
	    !arch_canonical((uint64_t)a[1]))
		return -EPERM;
	switch (a[0]) {
	case ARCH_SET_FS:
		arch_wrmsr(MSR_FS_BASE, (uint64_t)a[1]);
		return 0;
	case ARCH_SET_GS:
		arch_wrmsr(MSR_GS_BASE, (uint64_t)a[1]);
		return 0;
	case ARCH_GET_FS:
		*(uint64_t *)a[1] = arch_rdmsr(MSR_FS_BASE);
		return 0;
	case ARCH_GET_GS:
		*(uint64_t *)a[1] = arch_rdmsr(MSR_GS_BASE);
		return 0;
	default:
		return -EINVAL;
	}
}

long sys_set_tid_address(const long *a)
{
	(void)a;
	return SERVICE_PID;
}

long sys_getpid(const long *a)
{
	(void)a;
	return SERVICE_PID;
}

long sys_getppid(const long *a)
{
	(void)a;
	return 0;
}

long sys_getuid(const long *a)
{
	(void)a;
	return 0;
}

/* The mask is kept and reported; no signal is delivered asynchronously
 * yet, so blocking changes nothing else. */
long sys_rt_sigprocmask(const long *a)
{
	const uint64_t *set = (const uint64_t *)a[1];
	uint64_t *old = (uint64_t *)a[2];

	if (a[3] != 8)
		return -EINVAL;
	if (old)
		*old = sigmask;
	if (!set)
		return 0;
	switch (a[0]) {
	case SIG_BLOCK:
		sigmask |= *set;
		return 0;
	case SIG_UNBLOCK:
		sigmask &= ~*set;
		return 0;
	case SIG_SETMASK:
		sigmask = *set;
		return 0;
	default:
		return -EINVAL;
	}
}

/* A signal to the service itself: with no handlers yet, every signal
 * whose default action ends the process ends it, with status 128 + sig. */
static long signal_self(long sig)
{
	if (sig < 0 || sig >= 65)
		return -EINVAL;
	if (sig == 0 || sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH ||
	    sig == SIGCONT)
		return 0;
	kern_error("service killed by signal %ld (%s)", sig, strsignal(sig));
	kern_exit(128 + (int)sig);
}

long sys_kill(const long *a)
{
	return a[0] == SERVICE_PID || a[0] == 0 || a[0] == -1 ?
		       signal_self(a[1]) :
		       -ESRCH;
}

long sys_tkill(const long *a)
{
	return a[0] == SERVICE_PID ? signal_self(a[1]) : -ESRCH;
}

long sys_tgkill(const long *a)
{
	return a[0] == SERVICE_PID && a[1] == SERVICE_PID ? signal_self(a[2]) :
							    -ESRCH;
}

long sys_uname(const long *a)
{
	struct utsname *u = (struct utsname *)a[0];

	memset(u, 0, sizeof(*u));
	strcpy(u->sysname, "libos");
	strcpy(u->nodename, "libos");
	strcpy(u->release, "0.1");
	strcpy(u->version, "libos");
	strcpy(u->machine, "x86_64");
	return 0;
}

long sys_sched_yield(const long *a)
{
	(void)a;
	return 0;
}
