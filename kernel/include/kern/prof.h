/* Where the guest's time goes, by layer, from TSC stamps: the kernel
 * option "prof" makes the kernel charge every cycle from the end of its
 * boot (kern_prof_init, after the network stack has started) to one of
 * a few layers and print the shares at exit (tools/bench --profile). The
 * layers change only at their boundaries (a system call, an interrupt's
 * deferred half, a call between net/ and a driver, halting), so the
 * shares are exclusive: time in a driver called from lwIP is the
 * driver's, not lwIP's. Without the option each boundary costs the test
 * of one flag, inline. */
#ifndef KERN_PROF_H
#define KERN_PROF_H

#include <stdint.h>

struct kern_cmdline;

enum kern_prof_layer {
	KERN_PROF_SERVICE, /* the service's own code and libc */
	KERN_PROF_KERNEL,  /* system calls, files, memory, the loop */
	KERN_PROF_NET,	   /* net/ and lwIP */
	KERN_PROF_DRIVER,  /* device drivers: interrupts' halves, rings */
	KERN_PROF_IDLE,	   /* halted, waiting for an interrupt */
	KERN_PROF_LAYERS
};

/* Take the option "prof" from cl; with it, start counting (the time so
 * far is the kernel's) and print the shares at exit. */
void kern_prof_init(struct kern_cmdline *cl);

/* Whether the option was given (kern_prof_init). */
extern int kern_prof_on;

/* The counting halves of kern_prof_enter and kern_prof_leave. */
int kern_prof_switch(int layer);
void kern_prof_restore(int prev);

/* Charge the cycles since the last change to the current layer, make
 * layer current, and return the layer it replaced (for kern_prof_leave).
 * Calls nest; interrupt handlers' top halves must not call it. */
static inline int kern_prof_enter(int layer)
{
	return kern_prof_on ? kern_prof_switch(layer) : layer;
}

/* Charge the cycles since the last change to the current layer and make
 * prev (kern_prof_enter's result) current again. */
static inline void kern_prof_leave(int prev)
{
	if (kern_prof_on)
		kern_prof_restore(prev);
}

/* Cycles charged to layer so far (0 without the option). */
uint64_t kern_prof_cycles(int layer);

/* The counting half of kern_prof_copied. */
void kern_prof_count_copy(uint64_t n);

/* One copy of n bytes through the fault-safe copy (kern_copy_safe: the
 * service's data through sockets and files), counted with the option
 * and printed at exit beside the layers. */
static inline void kern_prof_copied(uint64_t n)
{
	if (kern_prof_on)
		kern_prof_count_copy(n);
}

#endif
