/* The rule for the service's pointers (see kernel/mm/urange.h): pure code,
 * unit-tested in test/unit/test_urange.c. */
#include "mm/urange.h"

/* The image span holding addr that allows access, or NULL. */
static const struct kern_urange_span *span_at(const struct kern_urange_map *m,
					      uint64_t addr, unsigned access)
{
	for (size_t i = 0; i < m->nimage; i++) {
		const struct kern_urange_span *s = &m->image[i];

		if (addr >= s->lo && addr < s->hi &&
		    (s->access & access) == access)
			return s;
	}
	return NULL;
}

/* Whether [lo, hi) is covered by image spans (touching ones join). */
static int in_image(const struct kern_urange_map *m, uint64_t lo, uint64_t hi,
		    unsigned access)
{
	while (lo < hi) {
		const struct kern_urange_span *s = span_at(m, lo, access);

		if (!s)
			return 0;
		lo = s->hi;
	}
	return 1;
}

/* Whether [lo, hi) overlaps a kernel stack or its guard page. */
static int on_stack(const struct kern_urange_map *m, uint64_t lo, uint64_t hi)
{
	for (size_t i = 0; i < m->nstacks; i++) {
		uint64_t slo = m->stacks[i].lo, shi = m->stacks[i].hi;

		slo = slo > KERN_URANGE_GUARD ? slo - KERN_URANGE_GUARD : 0;
		if (lo < shi && slo < hi)
			return 1;
	}
	return 0;
}

int kern_urange_ok(const struct kern_urange_map *m, uint64_t p, uint64_t n,
		   unsigned access)
{
	uint64_t end = p + n;

	if (n == 0)
		return 1;
	if (end < p) /* wraps (end 0 included: the range reaches 2^64) */
		return 0;
	if (m->service && m->service(p, end, access))
		return 1;
	return in_image(m, p, end, access) && !on_stack(m, p, end);
}
