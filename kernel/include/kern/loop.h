/* The event loop: one loop for the one core. It runs the deferred halves
 * of interrupts and the due timers, and halts the CPU when nothing is
 * runnable, with the hardware timer set for the earliest deadline. A
 * blocking call runs it until its condition holds. It never runs a
 * service callback behind the service's back: those run only from
 * os_loop_once(). See docs/event-loop.md. */
#ifndef KERN_LOOP_H
#define KERN_LOOP_H

#include <stdint.h>

#define KERN_LOOP_FOREVER UINT64_MAX

/* Run the loop until cond(arg) holds (cond may be NULL), until monotonic
 * time deadline, or, if interruptible, until a signal is pending for the
 * service. Returns 0 (cond held), -ETIMEDOUT or -EINTR. */
int kern_loop_wait(int (*cond)(void *), void *arg, uint64_t deadline,
		   int interruptible);

/* One pass of the loop without sleeping; returns the work done. */
int kern_loop_poll(void);

/* Nanoseconds the CPU spent halted since boot. */
uint64_t kern_loop_idle_ns(void);

#endif
