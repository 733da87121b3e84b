/* The service's address-space regions (see kernel/mm/vma.h). */
#include <errno.h>
#include <string.h>

#include "mm/vma.h"

#define PAGE 4096ULL

enum kern_vma_range kern_vma_range(uint64_t addr, uint64_t len, uint64_t top,
				   uint64_t *end)
{
	uint64_t pages;

	if (addr % PAGE)
		return KERN_VMA_RANGE_UNALIGNED;
	if (!len)
		return KERN_VMA_RANGE_EMPTY;
	pages = (len + PAGE - 1) & ~(PAGE - 1);
	if (pages < len || pages > UINT64_MAX - addr)
		return KERN_VMA_RANGE_WRAPS;
	if (addr > top || pages > top - addr)
		return KERN_VMA_RANGE_OUTSIDE;
	*end = addr + pages;
	return KERN_VMA_RANGE_OK;
}

void kern_vmas_init(struct kern_vmas *s, uint64_t lo, uint64_t hi,
		    struct kern_vma *array, size_t cap)
{
	*s = (struct kern_vmas){ .lo = lo, .hi = hi, .v = array, .cap = cap };
}

/* Index of the first region ending after addr (n if none). */
static size_t first_after(const struct kern_vmas *s, uint64_t addr)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->v[mid].end <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct kern_vma *kern_vmas_lookup(const struct kern_vmas *s,
					uint64_t addr)
{
	size_t i = first_after(s, addr);

	return i < s->n && s->v[i].start <= addr ? &s->v[i] : NULL;
}

uint64_t kern_vmas_find_gap(const struct kern_vmas *s, uint64_t size)
{
	uint64_t at = s->lo;

	for (size_t i = 0; i <= s->n; i++) {
		uint64_t next = i < s->n ? s->v[i].start : s->hi;

		if (next >= at && next - at >= size && size)
			return at;
		if (i < s->n)
			at = s->v[i].end;
	}
	return 0;
}

static int alike(const struct kern_vma *a, const struct kern_vma *b)
{
	return a->end == b->start && a->prot == b->prot && a->kind == b->kind &&
	       a->name == b->name && a->deny == b->deny && a->copy == b->copy &&
	       (a->kind != KERN_VMA_FILE ||
		b->pa == a->pa + (a->end - a->start));
}

/* Merge alike neighbours among the regions touching [start, end]. */
static void merge_range(struct kern_vmas *s, uint64_t start, uint64_t end)
{
	size_t i = first_after(s, start);

	while (i + 1 < s->n && s->v[i].start <= end) {
		if (!alike(&s->v[i], &s->v[i + 1])) {
			i++;
			continue;
		}
		s->v[i].end = s->v[i + 1].end;
		memmove(&s->v[i + 1], &s->v[i + 2],
			(s->n - i - 2) * sizeof(s->v[0]));
		s->n--;
	}
}

/* Open a slot at index i; the array must have room. */
static void open_slot(struct kern_vmas *s, size_t i)
{
	memmove(&s->v[i + 1], &s->v[i], (s->n - i) * sizeof(s->v[0]));
	s->n++;
}

int kern_vmas_insert_region(struct kern_vmas *s, const struct kern_vma *r)
{
	uint64_t start = r->start, end = r->end;
	size_t i = first_after(s, start);

	if (start >= end || start < s->lo || end > s->hi || start % PAGE ||
	    end % PAGE || (r->kind == KERN_VMA_FILE && r->pa % PAGE))
		return -EINVAL;
	if (i < s->n && s->v[i].start < end)
		return -EEXIST;
	if (s->n == s->cap)
		return -ENOMEM;
	open_slot(s, i);
	s->v[i] = *r;
	merge_range(s, start ? start - 1 : 0, end);
	return 0;
}

int kern_vmas_insert(struct kern_vmas *s, uint64_t start, uint64_t end,
		     unsigned prot, enum kern_vma_kind kind, const char *name)
{
	struct kern_vma r = { start, end, prot, kind, name, 0, 0, 0 };

	return kern_vmas_insert_region(s, &r);
}

/* Cut the region straddling addr (if any) in two at addr. */
static void cut_at(struct kern_vmas *s, uint64_t addr)
{
	size_t i = first_after(s, addr);

	if (i == s->n || s->v[i].start >= addr)
		return;
	open_slot(s, i);
	s->v[i].end = addr;
	s->v[i + 1].start = addr;
	if (s->v[i + 1].kind == KERN_VMA_FILE)
		s->v[i + 1].pa += addr - s->v[i].start;
}

/* Slots cuts at start and end would need. */
static size_t cuts_needed(const struct kern_vmas *s, uint64_t start,
			  uint64_t end)
{
	const struct kern_vma *a = kern_vmas_lookup(s, start);
	const struct kern_vma *b = kern_vmas_lookup(s, end);

	return (a && a->start < start) + (b && b->start < end);
}

int kern_vmas_remove(struct kern_vmas *s, uint64_t start, uint64_t end)
{
	size_t i, j;

	if (end < start)
		return -EINVAL;
	if (start == end)
		return 0;
	if (s->n + cuts_needed(s, start, end) > s->cap)
		return -ENOMEM;
	cut_at(s, start);
	cut_at(s, end);
	i = first_after(s, start);
	for (j = i; j < s->n && s->v[j].start < end; j++)
		;
	memmove(&s->v[i], &s->v[j], (s->n - j) * sizeof(s->v[0]));
	s->n -= j - i;
	return 0;
}

/* Whether every address of [start, end) lies in a region of a kind in
 * the mask kinds (bit 1 << kind). */
static int covered_by(const struct kern_vmas *s, uint64_t start, uint64_t end,
		      unsigned kinds)
{
	if (end < start)
		return 0;
	for (size_t i = first_after(s, start); start < end; i++) {
		if (i == s->n || s->v[i].start > start ||
		    !(kinds & 1u << s->v[i].kind))
			return 0;
		start = s->v[i].end;
	}
	return 1;
}

int kern_vmas_covered(const struct kern_vmas *s, uint64_t start, uint64_t end)
{
	return covered_by(s, start, end, 1u << KERN_VMA_ANON);
}

int kern_vmas_mapped(const struct kern_vmas *s, uint64_t start, uint64_t end)
{
	return covered_by(s, start, end,
			  1u << KERN_VMA_ANON | 1u << KERN_VMA_FILE);
}

const struct kern_vma *kern_vmas_first_of(const struct kern_vmas *s,
					  uint64_t start, uint64_t end,
					  enum kern_vma_kind kind)
{
	for (size_t i = first_after(s, start); i < s->n && s->v[i].start < end;
	     i++)
		if (s->v[i].kind == kind)
			return &s->v[i];
	return NULL;
}

/* Whether a region meeting [start, end) denies some of prot. */
static int denied(const struct kern_vmas *s, uint64_t start, uint64_t end,
		  unsigned prot)
{
	for (size_t i = first_after(s, start); i < s->n && s->v[i].start < end;
	     i++)
		if (s->v[i].deny & prot)
			return 1;
	return 0;
}

int kern_vmas_protect(struct kern_vmas *s, uint64_t start, uint64_t end,
		      unsigned prot)
{
	size_t i;

	if (start == end)
		return 0;
	if (!kern_vmas_mapped(s, start, end))
		return -ENOMEM;
	if (denied(s, start, end, prot))
		return -EACCES;
	if (s->n + cuts_needed(s, start, end) > s->cap)
		return -ENOMEM;
	cut_at(s, start);
	cut_at(s, end);
	for (i = first_after(s, start); i < s->n && s->v[i].start < end; i++)
		s->v[i].prot = prot;
	merge_range(s, start ? start - 1 : 0, end);
	return 0;
}

uint64_t kern_vmas_anon_bytes(const struct kern_vmas *s, uint64_t start,
			      uint64_t end)
{
	uint64_t n = 0;

	if (end <= start)
		return 0;
	for (size_t i = first_after(s, start); i < s->n && s->v[i].start < end;
	     i++) {
		const struct kern_vma *v = &s->v[i];

		if (v->kind == KERN_VMA_ANON)
			n += (v->end < end ? v->end : end) -
			     (v->start > start ? v->start : start);
	}
	return n;
}

int kern_vmas_is_free(const struct kern_vmas *s, uint64_t start, uint64_t end)
{
	size_t i = first_after(s, start);

	return start < end && start >= s->lo && end <= s->hi &&
	       (i == s->n || s->v[i].start >= end);
}
