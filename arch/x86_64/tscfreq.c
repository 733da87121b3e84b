/* Pure arithmetic of the x86_64 time sources: the TSC frequency CPUID
 * leaves 0x15/0x16 give, and pvclock's TSC-to-nanosecond scaling. */
#include <arch/clock.h>

uint64_t arch_tsc_hz_from_cpuid(uint32_t max_leaf, const uint32_t l15[4],
				const uint32_t l16[4])
{
	/* 0x15: EAX = denominator, EBX = numerator, ECX = crystal Hz. */
	if (max_leaf >= 0x15 && l15[0] && l15[1] && l15[2])
		return (uint64_t)l15[2] * l15[1] / l15[0];
	/* 0x16: EAX[15:0] = base frequency in MHz. */
	if (max_leaf >= 0x16 && (l16[0] & 0xffff))
		return (uint64_t)(l16[0] & 0xffff) * 1000000;
	return 0;
}

uint64_t arch_pvclock_ns(const struct arch_pvclock *p, uint64_t tsc)
{
	uint64_t delta = tsc - p->tsc_timestamp;

	if (p->tsc_shift >= 0)
		delta <<= p->tsc_shift;
	else
		delta >>= -p->tsc_shift;
	return p->system_time +
	       (uint64_t)(((unsigned __int128)delta * p->tsc_to_system_mul) >>
			  32);
}

uint64_t arch_pvclock_tsc_hz(const struct arch_pvclock *p)
{
	unsigned __int128 hz = (unsigned __int128)1000000000 << 32;

	if (!p->tsc_to_system_mul)
		return 0;
	hz /= p->tsc_to_system_mul;
	if (p->tsc_shift >= 0)
		hz >>= p->tsc_shift;
	else
		hz <<= -p->tsc_shift;
	return (uint64_t)hz;
}
