/* TSC-to-nanosecond conversion and civil-date arithmetic (pure). */
#include <kern/clock.h>

#define NS 1000000000ULL

void kern_tsc_conv_init(struct kern_tsc_conv *c, uint64_t tsc0, uint64_t hz)
{
	c->tsc0 = tsc0;
	c->hz = hz;
	c->mult = (uint64_t)(((unsigned __int128)NS << 32) / hz);
}

uint64_t kern_tsc_to_ns(const struct kern_tsc_conv *c, uint64_t tsc)
{
	if (tsc <= c->tsc0)
		return 0;
	return (uint64_t)(((unsigned __int128)(tsc - c->tsc0) * c->mult) >> 32);
}

uint64_t kern_ns_to_tsc(const struct kern_tsc_conv *c, uint64_t ns)
{
	/* The exact inverse of kern_tsc_to_ns, rounded up: the first TSC
	 * value that reads as at least ns. */
	unsigned __int128 scaled = (unsigned __int128)ns << 32;

	return c->tsc0 + (uint64_t)((scaled + c->mult - 1) / c->mult);
}

int64_t kern_civil_to_unix(int year, int month, int day, int hour, int min,
			   int sec)
{
	/* Days from 1970-01-01, counting years from March (so February,
	 * with its leap day, ends the year). */
	int64_t y = year - (month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	int64_t days = era * 146097 + doe - 719468;

	return days * 86400 + hour * 3600 + min * 60 + sec;
}
