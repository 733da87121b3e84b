/* Reading and checking virtio_mmio.device= tokens (see mmio_token.h). */
#include <errno.h>
#include <stdio.h>

#include "mmio_token.h"

/* The digit c in base, or -1. */
static int digit(char c, unsigned base)
{
	int d = c >= '0' && c <= '9' ? c - '0' :
		c >= 'a' && c <= 'f' ? c - 'a' + 10 :
		c >= 'A' && c <= 'F' ? c - 'A' + 10 :
				       -1;

	return d >= 0 && (unsigned)d < base ? d : -1;
}

/* An unsigned number in C notation (0x hex, 0 octal, else decimal) at
 * *s, which is moved past it. 0, -EINVAL when there is none, -ERANGE
 * when it does not fit in 64 bits. No errno: the kernel's own. */
static int parse_u64(const char **s, uint64_t *v)
{
	const char *p = *s;
	unsigned base = 10;
	int d;

	if (digit(*p, 10) < 0)
		return -EINVAL; /* no sign, no blank */
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') &&
	    digit(p[2], 16) >= 0) {
		base = 16;
		p += 2;
	} else if (p[0] == '0') {
		base = 8;
	}
	for (*v = 0; (d = digit(*p, base)) >= 0; p++) {
		if (*v > (UINT64_MAX - (unsigned)d) / base)
			return -ERANGE;
		*v = *v * base + (unsigned)d;
	}
	*s = p;
	return 0;
}

/* A size: a number with an optional K, M or G (Linux's memparse). */
static int parse_size(const char **s, uint64_t *v)
{
	int shift = 0, r = parse_u64(s, v);

	if (r)
		return r;
	switch (**s) {
	case 'G':
	case 'g':
		shift += 10; /* fall through */
	case 'M':
	case 'm':
		shift += 10; /* fall through */
	case 'K':
	case 'k':
		shift += 10;
		(*s)++;
	}
	if (*v > UINT64_MAX >> shift)
		return -ERANGE;
	*v <<= shift;
	return 0;
}

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
	int r = parse_size(&s, &w->size);

	if (!r)
		r = expect(&s, '@');
	if (!r)
		r = parse_u64(&s, &w->base);
	if (!r)
		r = expect(&s, ':');
	if (!r)
		r = parse_u64(&s, &irq);
	if (!r && *s == ':' && !(r = expect(&s, ':')))
		r = parse_u64(&s, &id); /* a Linux device id: unused */
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

int vmmio_tokens_check(const char *const *tokens, int n, const struct vmmio_limits *l,
		       struct vmmio_window *w, char *err, size_t errlen)
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
