/* Reading and checking virtio_mmio.device= tokens (see mmio_token.h). */
#include <errno.h>
#include <stdio.h>

#include <kern/cmdline.h>

#include "mmio_token.h"

/* Step past c at *s. 0 or -EINVAL. */
static int expect(const char **s, char c)
{
	if (**s != c)
		return -EINVAL;
	(*s)++;
	return 0;
}

int vmmio_token_parse(const char *s, struct vmmio_window *w, const char **why)
{
	uint64_t irq = 0, id;
	int r = kern_parse_size(&s, &w->size);

	if (!r)
		r = expect(&s, '@');
	if (!r)
		r = kern_parse_u64(&s, &w->base);
	if (!r)
		r = expect(&s, ':');
	if (!r)
		r = kern_parse_u64(&s, &irq);
	if (!r && *s == ':' && !(r = expect(&s, ':')))
		r = kern_parse_u64(&s, &id); /* a Linux device id: unused */
	if (!r && *s)
		r = -EINVAL; /* trailing text */
	if (!r && irq > UINT32_MAX)
		r = -ERANGE;
	*why = r == -ERANGE ? "a number is too large" :
			      "expected SIZE@BASE:IRQ[:ID]";
	if (r)
		return -EINVAL;
	w->gsi = (uint32_t)irq;
	return 0;
}

/* Whether [a, a + as) and [b, b + bs) overlap; an end past 2^64 is
 * taken as 2^64. */
static int overlap(uint64_t a, uint64_t as, uint64_t b, uint64_t bs)
{
	uint64_t ae = a + as < a ? UINT64_MAX : a + as;
	uint64_t be = b + bs < b ? UINT64_MAX : b + bs;

	return as && bs && a < be && b < ae;
}

static const char *mem_name(uint32_t type)
{
	switch (type) {
	case ARCH_MEM_RAM:
		return "RAM";
	case ARCH_MEM_ACPI:
		return "ACPI tables";
	case ARCH_MEM_NVS:
		return "ACPI NVS memory";
	default:
		return "memory";
	}
}

/* Size, alignment and the address range. 0 or -EINVAL (err). */
static int check_shape(const struct vmmio_window *w,
		       const struct vmmio_limits *l, char *err, size_t errlen)
{
	if (w->size < VMMIO_MIN_SIZE)
		snprintf(err, errlen,
			 "a window of 0x%llx bytes is smaller than 0x%x "
			 "(registers and configuration space)",
			 (unsigned long long)w->size, VMMIO_MIN_SIZE);
	else if (w->base % VMMIO_ALIGN)
		snprintf(err, errlen, "base 0x%llx is not a multiple of 0x%x",
			 (unsigned long long)w->base, VMMIO_ALIGN);
	else if (w->base > l->addr_limit || w->size > l->addr_limit - w->base)
		snprintf(err, errlen,
			 "the window ends above the physical address limit "
			 "0x%llx",
			 (unsigned long long)l->addr_limit);
	else
		return 0;
	return -EINVAL;
}

/* Clear of the image and of memory. 0 or -EINVAL (err). */
static int check_memory(const struct vmmio_window *w,
			const struct vmmio_limits *l, char *err, size_t errlen)
{
	if (overlap(w->base, w->size, l->image_lo, l->image_hi - l->image_lo)) {
		snprintf(err, errlen,
			 "the window overlaps the kernel image "
			 "(0x%llx-0x%llx)",
			 (unsigned long long)l->image_lo,
			 (unsigned long long)l->image_hi);
		return -EINVAL;
	}
	for (size_t i = 0; i < l->nmem; i++) {
		const struct arch_mem_range *r = &l->mem[i];

		if (r->type == ARCH_MEM_RESERVED ||
		    !overlap(w->base, w->size, r->addr, r->size))
			continue;
		snprintf(err, errlen, "the window overlaps %s (0x%llx-0x%llx)",
			 mem_name(r->type), (unsigned long long)r->addr,
			 (unsigned long long)(r->addr + r->size));
		return -EINVAL;
	}
	return 0;
}

int vmmio_window_check(const struct vmmio_window *w,
		       const struct vmmio_limits *l,
		       const struct vmmio_window *prev, int n, char *err,
		       size_t errlen)
{
	if (check_shape(w, l, err, errlen) || check_memory(w, l, err, errlen))
		return -EINVAL;
	for (int i = 0; i < n; i++)
		if (overlap(w->base, w->size, prev[i].base, prev[i].size)) {
			snprintf(err, errlen,
				 "the window overlaps token %d's "
				 "(0x%llx@0x%llx)",
				 i + 1, (unsigned long long)prev[i].size,
				 (unsigned long long)prev[i].base);
			return -EINVAL;
		}
	if (!l->gsi_ok(w->gsi)) {
		snprintf(err, errlen, "no I/O APIC serves interrupt %u",
			 w->gsi);
		return -EINVAL;
	}
	return 0;
}

int vmmio_tokens_check(const char *const *tokens, int n,
		       const struct vmmio_limits *l, struct vmmio_window *w,
		       char *err, size_t errlen)
{
	char why[160];
	const char *what;

	for (int i = 0; i < n; i++) {
		if (vmmio_token_parse(tokens[i], &w[i], &what))
			snprintf(why, sizeof(why), "%s", what);
		else if (!vmmio_window_check(&w[i], l, w, i, why, sizeof(why)))
			continue;
		snprintf(err, errlen, "virtio_mmio.device=%s: %s", tokens[i],
			 why);
		return -EINVAL;
	}
	return 0;
}
