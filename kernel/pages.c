/* The page-run allocator (see kern/pages.h): first fit from a moving hint,
 * zeroing only pages that were handed out before. */
#include <errno.h>
#include <string.h>

#include <kern/pages.h>

static int bit(const struct kern_pages *p, size_t i)
{
	return (p->bitmap[i / 64] >> (i % 64)) & 1;
}

static void set_bits(struct kern_pages *p, size_t i, size_t n, int v)
{
	for (size_t k = i; k < i + n; k++) {
		if (bit(p, k) == v)
			continue;
		p->bitmap[k / 64] ^= 1ULL << (k % 64);
		p->used += v ? 1 : (size_t)-1;
	}
}

/* Mark [i, i+n) in use and zero what is not pristine. */
static void take(struct kern_pages *p, size_t i, size_t n)
{
	size_t dirty_end = i + n < p->highwater ? i + n : p->highwater;

	set_bits(p, i, n, 1);
	if (dirty_end > i)
		memset((void *)(p->base + i * KERN_PAGE_SIZE), 0,
		       (dirty_end - i) * KERN_PAGE_SIZE);
	if (i + n > p->highwater)
		p->highwater = i + n;
}

/* Length of the free run starting at i, up to max. */
static size_t free_run(const struct kern_pages *p, size_t i, size_t max)
{
	size_t n = 0;

	while (n < max && i + n < p->npages && !bit(p, i + n))
		n++;
	return n;
}

/* Index of a free run of n pages in [from, to), or npages. */
static size_t find_run(const struct kern_pages *p, size_t from, size_t to,
		       size_t n)
{
	size_t i = from;

	while (i + n <= to) {
		size_t run = free_run(p, i, n);

		if (run == n)
			return i;
		i += run + 1;
	}
	return p->npages;
}

void kern_pages_init(struct kern_pages *p, uintptr_t base, size_t npages,
		     uint64_t *bitmap)
{
	*p = (struct kern_pages){ .base = base,
				  .npages = npages,
				  .bitmap = bitmap };
}

uintptr_t kern_pages_alloc(struct kern_pages *p, size_t n)
{
	size_t i;

	if (n == 0 || n > kern_pages_free_count(p))
		return 0;
	i = find_run(p, p->hint, p->npages, n);
	if (i == p->npages)
		i = find_run(p, 0, p->npages, n);
	if (i == p->npages)
		return 0;
	take(p, i, n);
	p->hint = i + n;
	return p->base + i * KERN_PAGE_SIZE;
}

int kern_pages_contains(const struct kern_pages *p, uintptr_t addr, size_t n)
{
	return addr >= p->base && addr % KERN_PAGE_SIZE == 0 &&
	       (addr - p->base) / KERN_PAGE_SIZE <= p->npages &&
	       n <= p->npages - (addr - p->base) / KERN_PAGE_SIZE;
}

int kern_pages_alloc_at(struct kern_pages *p, uintptr_t addr, size_t n)
{
	if (n == 0 || !kern_pages_contains(p, addr, n))
		return -ENOMEM;
	take(p, (addr - p->base) / KERN_PAGE_SIZE, n);
	return 0;
}

int kern_pages_resize(struct kern_pages *p, uintptr_t addr, size_t old_n,
		      size_t new_n)
{
	size_t i = (addr - p->base) / KERN_PAGE_SIZE;

	if (!kern_pages_contains(p, addr, old_n))
		return -ENOMEM;
	if (new_n <= old_n) {
		set_bits(p, i + new_n, old_n - new_n, 0);
		return 0;
	}
	if (free_run(p, i + old_n, new_n - old_n) != new_n - old_n)
		return -ENOMEM;
	take(p, i + old_n, new_n - old_n);
	return 0;
}

void kern_pages_free(struct kern_pages *p, uintptr_t addr, size_t n)
{
	uintptr_t end = addr + n * KERN_PAGE_SIZE;
	uintptr_t top = p->base + p->npages * KERN_PAGE_SIZE;

	if (addr < p->base)
		addr = p->base;
	if (end > top)
		end = top;
	if (addr >= end)
		return;
	set_bits(p, (addr - p->base) / KERN_PAGE_SIZE,
		 (end - addr) / KERN_PAGE_SIZE, 0);
}
