/* Process-level system calls for the one service: exit, thread pointer,
 * identity, uname (signals are in signal.c). */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/utsname.h>

#include <arch/cpu.h>
#include <arch/trap.h>
#include <kern/console.h>
#include <kern/exit.h>
#include <kern/loop.h>
#include <kern/uaccess.h>

#include "core/sys.h"

#define SERVICE_PID 1
#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

long sys_exit(const long *a)
{
	kern_exit((int)(a[0] & 0xff));
}

long sys_arch_prctl(const long *a)
{
	uint64_t v;

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
		v = arch_rdmsr(MSR_FS_BASE);
		return kern_copy_out((void *)a[1], &v, sizeof(v));
	case ARCH_GET_GS:
		v = arch_rdmsr(MSR_GS_BASE);
		return kern_copy_out((void *)a[1], &v, sizeof(v));
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

long sys_uname(const long *a)
{
	struct utsname u;

	memset(&u, 0, sizeof(u));
	strcpy(u.sysname, "libos");
	strcpy(u.nodename, "libos");
	strcpy(u.release, "0.1");
	strcpy(u.version, "libos");
	strcpy(u.machine, "x86_64");
	return kern_copy_out((void *)a[0], &u, sizeof(u));
}

/* Let the kernel's pending work (interrupts, timers) run. */
long sys_sched_yield(const long *a)
{
	(void)a;
	kern_loop_poll();
	return 0;
}
