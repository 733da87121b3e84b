/* Signals for the one service: actions set with rt_sigaction, a blocked
 * mask, and pending signals. There is no asynchronous delivery: a pending
 * signal is delivered when a system call returns or when a blocking call
 * waiting in the event loop is interrupted by it, so a handler always runs
 * at a point where the service called into the kernel. */
#ifndef KERN_SIGNAL_H
#define KERN_SIGNAL_H

/* Make sig pending (from the loop, e.g. the power button). */
void kern_signal_raise(int sig);

/* Whether a signal is pending and not blocked. */
int kern_signal_pending(void);

/* Replace the blocked mask (bit sig-1 for signal sig; SIGKILL and SIGSTOP
 * stay unblocked) and return the old one: ppoll, pselect6 and epoll_pwait
 * wait under a mask of their own. */
unsigned long long kern_signal_setmask(unsigned long long mask);

/* Deliver the pending, unblocked signals: run handlers, ignore, or take
 * the default action (ending the service with status 128 + sig). */
void kern_signal_deliver(void);

#endif
