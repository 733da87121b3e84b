/* The running image's side of kern/uaccess.h: which memory is the
 * service's (its regions in usermem.c, the image's spans from the linker
 * script, less the kernel's stacks) and the fault-recovering copies of
 * arch/usercopy.h. The host unit tests put stand-ins in their place. */
#include <errno.h>
#include <sys/mman.h>

#include <arch/boot.h>
#include <arch/usercopy.h>
#include "debug/fault.h"
#include <kern/prof.h>
#include <kern/uaccess.h>

#include "mm/urange.h"

#include "mm/mm_internal.h"

static int service_range(uint64_t lo, uint64_t hi, unsigned access)
{
	return kern_mm_service_range(
		lo, hi, access & KERN_UWRITE ? PROT_WRITE : PROT_READ);
}

int kern_user_check(const void *p, size_t n, unsigned access)
{
	/* text, headers and constants read-only; globals read-write */
	const struct kern_urange_span image[] = {
		{ (uintptr_t)__image_start, (uintptr_t)__data_start,
		  KERN_UREAD },
		{ (uintptr_t)__data_start, (uintptr_t)__bss_end,
		  KERN_UREAD | KERN_UWRITE },
	};
	struct kern_urange_map m = { service_range, image, 2, NULL, 0 };

	m.stacks = kern_stacks(&m.nstacks);
	return kern_urange_ok(&m, (uintptr_t)p, n, access) ? 0 : -EFAULT;
}

int kern_copy_safe(void *dst, const void *src, size_t n)
{
	kern_prof_copied(n);
	return arch_copy_safe(dst, src, n) ? -EFAULT : 0;
}

long kern_strncpy_safe(char *dst, const char *src, size_t n)
{
	long r = arch_strncpy_safe(dst, src, n);

	return r < 0 ? -EFAULT : r;
}
