/* The running image's side of kern/uaccess.h (kernel/mm/ucheck.c) on the
 * host, for the socket tests and the netif fuzz target: the service's
 * memory is everything from 4096 to the top of the lower half (the
 * host's own pointers), under kernel/mm/urange.c's rule, so that NULL and
 * wrapping ranges fail as in the guest; the copies are plain (a host
 * fault is a test failure, as it should be). */
#include <errno.h>
#include <string.h>

#include <kern/uaccess.h>

#include "mm/urange.h"

#define HOST_LO 4096ULL
#define HOST_HI (1ULL << 47)

static int host_range(uint64_t lo, uint64_t hi, unsigned access)
{
	(void)access;
	return lo >= HOST_LO && hi <= HOST_HI;
}

int kern_user_check(const void *p, size_t n, unsigned access)
{
	const struct kern_urange_map m = { host_range, NULL, 0, NULL, 0 };

	return kern_urange_ok(&m, (uintptr_t)p, n, access) ? 0 : -EFAULT;
}

int kern_copy_safe(void *dst, const void *src, size_t n)
{
	if (n)
		memmove(dst, src, n);
	return 0;
}

long kern_strncpy_safe(char *dst, const char *src, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(dst[i] = src[i]))
			return (long)i;
	return (long)n;
}
