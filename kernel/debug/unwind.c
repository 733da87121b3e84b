/* A frame-pointer unwinder that checks each pointer before following it,
 * so that a walk through frameless code (musl) ends instead of faulting. */
#include "debug/unwind.h"

#define FRAME_RECORD 16 /* saved frame pointer, then return address */

const struct kern_stack *kern_stack_find(const struct kern_unwind_env *env,
					 uint64_t addr, uint64_t len)
{
	for (int i = 0; i < env->nstacks; i++) {
		const struct kern_stack *s = &env->stacks[i];

		if (addr >= s->lo && addr <= s->hi && len <= s->hi - addr)
			return s;
	}
	return 0;
}

int kern_unwind(const struct kern_unwind_env *env, uint64_t fp, uint64_t *pcs,
		int max)
{
	int n = 0;

	while (n < max && fp && fp % 8 == 0 &&
	       kern_stack_find(env, fp, FRAME_RECORD)) {
		const uint64_t *rec = (const uint64_t *)(uintptr_t)fp;
		uint64_t next = rec[0], ret = rec[1];

		if (ret < env->text_lo || ret >= env->text_hi)
			break;
		pcs[n++] = ret;
		if (next <= fp)
			break;
		fp = next;
	}
	return n;
}
