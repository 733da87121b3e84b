/* The event loop: one loop for the one core. Each pass runs the deferred
 * halves of interrupts, the due timers, then the work asked to run at the
 * end of the pass (kern_loop_defer: what batches, e.g. one device
 * notification for all the frames a pass produced); the loop halts the
 * CPU when nothing is runnable, with the hardware timer set for the
 * earliest deadline. A blocking call runs it until its condition holds.
 * It never runs a service callback behind the service's back: those run
 * only from os_loop_once(). See docs/event-loop.md. */
#ifndef KERN_LOOP_H
#define KERN_LOOP_H

#include <stdint.h>

#define KERN_LOOP_FOREVER UINT64_MAX

/* Run the loop until cond(arg) holds (cond may be NULL), until monotonic
 * time deadline, or, if interruptible, until a signal is pending for the
 * service. Returns 0 (cond held), -ETIMEDOUT or -EINTR. */
int kern_loop_wait(int (*cond)(void *), void *arg, uint64_t deadline,
		   int interruptible);

/* One pass of the loop without sleeping: interrupts' deferred halves, due
 * timers, end-of-pass work. Returns the work done. */
int kern_loop_poll(void);

/* Work to run once at the end of a pass (kern_loop_defer). The owner
 * sets fn and arg ({ .fn = f, .arg = a }); the rest is the loop's, zero
 * at first. */
struct kern_deferred {
	void (*fn)(void *arg);
	void *arg;
	struct kern_deferred *next; /* the loop's queue */
	int state;		    /* the loop's: idle, queued or running */
};

/* Have d->fn(d->arg) run once at the end of the pass under way: after the
 * deferred halves of its interrupts and its due kernel timers, before the
 * loop looks at its caller's condition or sleeps. Asked for outside a
 * pass (from the service's system calls, or at boot), d runs at the end
 * of the next pass. d is pending from this call until fn returns, and a
 * call while it is pending does nothing: requests merge into one run,
 * and fn asking for itself is ignored, so fn must act on the state as it
 * finds it and leave nothing that needs it again. Work runs in the order
 * asked for; work asked for while the end-of-pass work runs runs in the
 * same pass, after it (two functions must not ask for each other in a
 * cycle). Normal context only, never from an interrupt's first half. */
void kern_loop_defer(struct kern_deferred *d);

/* Whether a pass of the loop is under way (an interrupt's deferred half,
 * a kernel timer or end-of-pass work is running). Outside one, work that
 * should not wait for the next pass (a frame the service sends) is done
 * at once rather than deferred. */
int kern_loop_in_pass(void);

/* Nanoseconds the CPU spent halted since boot. */
uint64_t kern_loop_idle_ns(void);

#endif
