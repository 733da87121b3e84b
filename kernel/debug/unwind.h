/* Frame-pointer stack walking that never faults: every frame pointer is
 * checked against the known stacks before it is read. Pure code. */
#ifndef KERN_UNWIND_H
#define KERN_UNWIND_H

#include <stdint.h>

struct kern_stack {
	const char *name;
	uint64_t lo, hi; /* [lo, hi) */
};

struct kern_unwind_env {
	const struct kern_stack *stacks;
	int nstacks;
	uint64_t text_lo, text_hi; /* where return addresses may point */
};

/* Follow the chain of frame records (fp -> {next fp, return address})
 * starting at fp, storing up to max return addresses in pcs. Stops at a
 * frame pointer that is misaligned, outside every stack, or not above the
 * previous one, or at a return address outside the text. Returns the
 * number stored. */
int kern_unwind(const struct kern_unwind_env *env, uint64_t fp, uint64_t *pcs,
		int max);

/* The stack containing [addr, addr+len), or NULL. */
const struct kern_stack *kern_stack_find(const struct kern_unwind_env *env,
					 uint64_t addr, uint64_t len);

#endif
