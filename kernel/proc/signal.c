/* Signals (see kernel/proc/signal.h): rt_sigaction, rt_sigprocmask, kill/tkill/
 * tgkill to the service itself, and delivery at system-call return. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include <arch/irq.h>
#include <kern/console.h>
#include <kern/exit.h>
#include <kern/prof.h>
#include "proc/signal.h"
#include <kern/uaccess.h>

#include "core/sys.h"

#define NSIG_LINUX 64
#define SERVICE_PID 1
#define BIT(sig) (1ULL << ((sig)-1))
#define UNBLOCKABLE (BIT(SIGKILL) | BIT(SIGSTOP))

/* The kernel's struct sigaction, as musl passes it. */
struct ksigaction {
	union {
		void (*handler)(int);
		void (*action)(int, siginfo_t *, void *); /* SA_SIGINFO */
	};
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

static struct ksigaction actions[NSIG_LINUX + 1];
static uint64_t blocked, pending;

void kern_signal_raise(int sig)
{
	if (sig >= 1 && sig <= NSIG_LINUX)
		pending |= BIT(sig);
}

int kern_signal_pending(void)
{
	return (pending & ~blocked) != 0;
}

/* Whether sig's default action leaves the service running. */
static int default_ignores(int sig)
{
	return sig == SIGCHLD || sig == SIGURG || sig == SIGWINCH ||
	       sig == SIGCONT;
}

/* Run the service's handler for sig with the action's mask blocked; a
 * is a copy, so SA_RESETHAND can reset the action first. */
static void run_handler(int sig, const struct ksigaction *a)
{
	uint64_t saved = blocked;
	siginfo_t info = { .si_signo = sig, .si_code = SI_KERNEL };
	ucontext_t uc;
	int prev;

	memset(&uc, 0, sizeof(uc));
	blocked |= a->mask | ((a->flags & SA_NODEFER) ? 0 : BIT(sig));
	blocked &= ~UNBLOCKABLE;
	if (a->flags & SA_RESETHAND)
		actions[sig].handler = SIG_DFL;
	arch_irq_enable();
	prev = kern_prof_enter(KERN_PROF_SERVICE); /* the handler's time */
	if (a->flags & SA_SIGINFO)
		a->action(sig, &info, &uc);
	else
		a->handler(sig);
	kern_prof_leave(prev);
	arch_irq_disable();
	blocked = saved;
}

static void deliver(int sig)
{
	struct ksigaction a = actions[sig];

	pending &= ~BIT(sig);
	if (a.handler == SIG_IGN)
		return;
	if (a.handler != SIG_DFL) {
		run_handler(sig, &a);
		return;
	}
	if (default_ignores(sig))
		return;
	kern_error("service ended by signal %d (%s)", sig, strsignal(sig));
	kern_exit(128 + sig);
}

void kern_signal_deliver(void)
{
	uint64_t ready;

	while ((ready = pending & ~blocked))
		deliver(__builtin_ctzll(ready) + 1);
}

long sys_rt_sigaction(const long *a)
{
	int sig = (int)a[0];
	const void *uact = (const void *)a[1];
	void *uold = (void *)a[2];
	struct ksigaction act;

	if (sig < 1 || sig > NSIG_LINUX || a[3] != 8)
		return -EINVAL;
	if (uact && (sig == SIGKILL || sig == SIGSTOP))
		return -EINVAL;
	if (uact && kern_copy_in(&act, uact, sizeof(act)))
		return -EFAULT;
	if (uold && kern_copy_out(uold, &actions[sig], sizeof(actions[sig])))
		return -EFAULT;
	if (uact)
		actions[sig] = act;
	return 0;
}

long sys_rt_sigprocmask(const long *a)
{
	const void *uset = (const void *)a[1];
	void *uold = (void *)a[2];
	uint64_t set;

	if (a[3] != 8 || (uset && a[0] != SIG_BLOCK && a[0] != SIG_UNBLOCK &&
			  a[0] != SIG_SETMASK))
		return -EINVAL;
	if (uset && kern_copy_in(&set, uset, sizeof(set)))
		return -EFAULT;
	if (uold && kern_copy_out(uold, &blocked, sizeof(blocked)))
		return -EFAULT;
	if (!uset)
		return 0;
	switch (a[0]) {
	case SIG_BLOCK:
		blocked |= set;
		break;
	case SIG_UNBLOCK:
		blocked &= ~set;
		break;
	case SIG_SETMASK:
		blocked = set;
		break;
	default:
		return -EINVAL;
	}
	blocked &= ~UNBLOCKABLE;
	return 0;
}

unsigned long long kern_signal_setmask(unsigned long long mask)
{
	uint64_t old = blocked;

	blocked = mask & ~UNBLOCKABLE;
	return old;
}

long sys_rt_sigpending(const long *a)
{
	uint64_t set = pending & blocked;

	if (a[1] != 8)
		return -EINVAL;
	return kern_copy_out((void *)a[0], &set, sizeof(set));
}

/* A signal to the service itself; delivered when this call returns. */
static long signal_self(long sig)
{
	if (sig < 0 || sig > NSIG_LINUX)
		return -EINVAL;
	kern_signal_raise((int)sig);
	return 0;
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
