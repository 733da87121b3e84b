/* Unit tests of kernel/time/tsc.c, arch/x86_64/tscfreq.c and the APIC helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <arch/clock.h>
#include <arch/irq.h>
#include <kern/clock.h>

#define NS 1000000000ULL
#define TSC0 0x123456789ULL
#define YEAR (365ULL * 86400 + 86400 / 4) /* a Julian year, in seconds */

typedef unsigned __int128 u128;

static const uint64_t freqs[] = {
	2300000000ULL, 1000000000ULL, 3999000000ULL, 19200000ULL, 4000000000ULL,
};

#define NFREQ (sizeof(freqs) / sizeof(freqs[0]))

/* A deterministic PRNG (splitmix64). */
static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* The exact nanoseconds of ticks at hz, rounded down. */
static uint64_t true_ns(uint64_t ticks, uint64_t hz)
{
	return (uint64_t)((u128)ticks * NS / hz);
}

/* Nanoseconds in one tick at hz, rounded up. */
static uint64_t tick_ns(uint64_t hz)
{
	return (NS + hz - 1) / hz;
}

static struct kern_tsc_conv conv(uint64_t hz)
{
	struct kern_tsc_conv c;

	kern_tsc_conv_init(&c, TSC0, hz);
	assert_int_equal(c.tsc0, TSC0);
	assert_int_equal(c.hz, hz);
	return c;
}

/* hz ticks make a second, hz / 1000 a millisecond, to within 1 ns. */
static void test_tsc_round_numbers(void **state)
{
	(void)state;
	for (size_t i = 0; i < NFREQ; i++) {
		struct kern_tsc_conv c = conv(freqs[i]);
		uint64_t s = kern_tsc_to_ns(&c, TSC0 + freqs[i]);
		uint64_t ms = kern_tsc_to_ns(&c, TSC0 + freqs[i] / 1000);

		assert_in_range(s, NS - 1, NS);
		assert_in_range(ms, 1000000 - 1, 1000000);
	}
}

/* Exact where the multiplier is: 1 GHz and 4 GHz. */
static void test_tsc_exact_freqs(void **state)
{
	struct kern_tsc_conv c1 = conv(1000000000ULL);
	struct kern_tsc_conv c4 = conv(4000000000ULL);
	uint64_t seed = 1;

	(void)state;
	for (int i = 0; i < 10000; i++) {
		uint64_t d = rnd(&seed) >> 3;

		assert_int_equal(kern_tsc_to_ns(&c1, TSC0 + d), d);
		assert_int_equal(kern_tsc_to_ns(&c4, TSC0 + d), d / 4);
	}
}

static void test_tsc_before_tsc0(void **state)
{
	(void)state;
	for (size_t i = 0; i < NFREQ; i++) {
		struct kern_tsc_conv c = conv(freqs[i]);

		assert_int_equal(kern_tsc_to_ns(&c, 0), 0);
		assert_int_equal(kern_tsc_to_ns(&c, TSC0 - 1), 0);
		assert_int_equal(kern_tsc_to_ns(&c, TSC0), 0);
		assert_in_range(kern_tsc_to_ns(&c, TSC0 + 1), 0,
				tick_ns(freqs[i]));
	}
}

/* 100 years of ticks: within 1 ppm of the truth (and no wrap-around). */
static void test_tsc_long_uptime(void **state)
{
	(void)state;
	for (size_t i = 0; i < NFREQ; i++) {
		struct kern_tsc_conv c = conv(freqs[i]);

		for (uint64_t years = 1; years <= 100; years++) {
			uint64_t ticks = years * YEAR * freqs[i];
			uint64_t want = true_ns(ticks, freqs[i]);
			uint64_t got = kern_tsc_to_ns(&c, TSC0 + ticks);
			uint64_t err = got > want ? got - want : want - got;

			assert_int_equal(want, years * YEAR * NS);
			assert_true(err <= want / 1000000);
		}
	}
}

/* Walk from tsc0 in random steps of growing size: never backwards, and
 * each step adds about what it should. */
static void check_monotonic(const struct kern_tsc_conv *c, uint64_t start,
			    uint64_t seed)
{
	uint64_t tsc = start, ns = kern_tsc_to_ns(c, tsc);

	for (int i = 0; i < 100000; i++) {
		uint64_t step = rnd(&seed) % ((1ULL << (i % 40)) + 1);
		uint64_t next = kern_tsc_to_ns(c, tsc + step);

		assert_true(next >= ns);
		assert_true(next - ns <= true_ns(step, c->hz) + 1);
		tsc += step;
		ns = next;
	}
}

static void test_tsc_monotonic(void **state)
{
	(void)state;
	for (size_t i = 0; i < NFREQ; i++) {
		struct kern_tsc_conv c = conv(freqs[i]);

		check_monotonic(&c, TSC0 - 1000, i);
		check_monotonic(&c, TSC0 + 50 * YEAR * freqs[i], i + 100);
	}
}

/* The TSC-deadline for d reaches d on this clock within a tick:
 * kern_tsc_to_ns(kern_ns_to_tsc(d)) is in [d - tick, d]. */
static void check_ns_roundtrip(const struct kern_tsc_conv *c, uint64_t d)
{
	uint64_t tsc = kern_ns_to_tsc(c, d);
	uint64_t back = kern_tsc_to_ns(c, tsc);

	/* The first TSC value that reads as at least d: a timer programmed
	 * for it never fires before the clock reads d. */
	assert_true(tsc >= TSC0);
	if (back < d || (tsc > TSC0 && kern_tsc_to_ns(c, tsc - 1) >= d))
		fail_msg("hz %lu: ns %lu -> tsc %lu -> ns %lu",
			 (unsigned long)c->hz, (unsigned long)d,
			 (unsigned long)tsc, (unsigned long)back);
	if (back - d > tick_ns(c->hz))
		fail_msg("hz %lu: ns %lu came back %lu ns late",
			 (unsigned long)c->hz, (unsigned long)d,
			 (unsigned long)(back - d));
}

/* kern_tsc_to_ns then kern_ns_to_tsc: back within a tick plus the ticks
 * of the nanosecond the first conversion rounded away. */
static void check_tsc_roundtrip(const struct kern_tsc_conv *c, uint64_t tsc)
{
	uint64_t ns = kern_tsc_to_ns(c, tsc);
	uint64_t back = kern_ns_to_tsc(c, ns);

	assert_true(back <= tsc);
	if (tsc - back > (c->hz + NS - 1) / NS + 1)
		fail_msg("hz %lu: tsc0 + %lu -> ns %lu -> tsc0 + %lu (%lu "
			 "ticks off)",
			 (unsigned long)c->hz, (unsigned long)(tsc - TSC0),
			 (unsigned long)ns, (unsigned long)(back - TSC0),
			 (unsigned long)(tsc - back));
}

/* Round trips near boot: ns -> tsc -> ns over the first second, tsc -> ns
 * -> tsc over the first 10 ms (see test_roundtrip_long for later). */
static void test_roundtrip_short(void **state)
{
	uint64_t seed = 2;

	(void)state;
	for (size_t i = 0; i < NFREQ; i++) {
		struct kern_tsc_conv c = conv(freqs[i]);

		assert_int_equal(kern_ns_to_tsc(&c, 0), TSC0);
		check_ns_roundtrip(&c, NS);
		for (uint64_t d = 0; d < 10000; d++) {
			check_ns_roundtrip(&c, d);
			check_tsc_roundtrip(&c, TSC0 + d);
		}
		for (int k = 0; k < 10000; k++) {
			check_ns_roundtrip(&c, rnd(&seed) % NS);
			check_tsc_roundtrip(
				&c, TSC0 + rnd(&seed) % (freqs[i] / 100));
		}
	}
}

/* The same after a second, a minute, an hour, a day, a year, 100 years:
 * the TSC deadline the timer service programs for d (kernel/time/timer.c:133)
 * must not arrive long before kern_clock_ns() reads d.
 * (kern_ns_to_tsc is the exact inverse of kern_tsc_to_ns's truncated
 * multiplier, so the two cannot drift apart.) */
static void test_roundtrip_long(void **state)
{
	static const uint64_t spans[] = {
		1, 60, 3600, 86400, YEAR, 100 * YEAR
	};

	(void)state;
	for (size_t i = 0; i < NFREQ; i++) {
		struct kern_tsc_conv c = conv(freqs[i]);

		for (size_t s = 0; s < sizeof(spans) / sizeof(spans[0]); s++)
			for (uint64_t d = 0; d < 1000; d++) {
				uint64_t t = spans[s] * freqs[i] + d;

				check_ns_roundtrip(&c, spans[s] * NS + d);
				check_tsc_roundtrip(&c, TSC0 + t);
			}
	}
}

/* ns -> tsc: within 1 ppm of the exact tick count over long uptimes, and
 * monotonic. */
static void test_ns_to_tsc(void **state)
{
	uint64_t seed = 3;

	(void)state;
	for (size_t i = 0; i < NFREQ; i++) {
		struct kern_tsc_conv c = conv(freqs[i]);
		uint64_t prev = TSC0;

		for (int k = 0; k < 10000; k++) {
			uint64_t d = rnd(&seed) % (100 * YEAR * NS);
			uint64_t want = (uint64_t)((u128)d * freqs[i] / NS);
			uint64_t got = kern_ns_to_tsc(&c, d) - TSC0;
			uint64_t err = got > want ? got - want : want - got;

			assert_true(err <= want / 1000000 + 1);
		}
		for (uint64_t d = 0; d < 10000; d += 7) {
			uint64_t tsc = kern_ns_to_tsc(&c, d);

			assert_true(tsc >= prev);
			prev = tsc;
		}
	}
}

/* The host's timegm, 64-bit time_t. */
static int64_t host_timegm(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = {
		.tm_year = y - 1900,
		.tm_mon = mo - 1,
		.tm_mday = d,
		.tm_hour = h,
		.tm_min = mi,
		.tm_sec = s,
	};

	return (int64_t)timegm(&tm);
}

static void test_civil_known(void **state)
{
	(void)state;
	assert_int_equal(kern_civil_to_unix(1970, 1, 1, 0, 0, 0), 0);
	assert_int_equal(kern_civil_to_unix(1970, 1, 1, 0, 0, 1), 1);
	assert_int_equal(kern_civil_to_unix(1969, 12, 31, 23, 59, 59), -1);
	assert_int_equal(kern_civil_to_unix(2000, 2, 29, 0, 0, 0), 951782400);
	assert_int_equal(kern_civil_to_unix(2000, 3, 1, 0, 0, 0), 951868800);
	assert_int_equal(kern_civil_to_unix(2038, 1, 19, 3, 14, 8),
			 2147483648LL);
	assert_int_equal(kern_civil_to_unix(2100, 2, 28, 0, 0, 0),
			 4107456000LL);
	assert_int_equal(kern_civil_to_unix(2100, 3, 1, 0, 0, 0), 4107542400LL);
	assert_int_equal(kern_civil_to_unix(2026, 11, 22, 12, 34, 56),
			 host_timegm(2026, 11, 22, 12, 34, 56));
	assert_int_equal(kern_civil_to_unix(2026, 11, 22, 12, 34, 56),
			 1795350896LL);
	assert_int_equal(kern_civil_to_unix(1900, 1, 1, 0, 0, 0),
			 -2208988800LL);
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31 };

	return days[m - 1] + (m == 2 && is_leap(y));
}

/* Every day from 1600 to 2400 against timegm and a running day count,
 * at a time of day that changes. */
static void test_civil_every_day(void **state)
{
	int64_t day = host_timegm(1600, 1, 1, 0, 0, 0) / 86400;

	(void)state;
	assert_int_equal(kern_civil_to_unix(1600, 1, 1, 0, 0, 0), day * 86400);
	for (int y = 1600; y <= 2400; y++)
		for (int m = 1; m <= 12; m++)
			for (int d = 1; d <= month_days(y, m); d++, day++) {
				int h = (int)((day % 24 + 24) % 24);
				int mi = (int)((day % 60 + 60) % 60);
				int64_t t =
					day * 86400 + h * 3600 + mi * 60 + 59;

				assert_int_equal(
					kern_civil_to_unix(y, m, d, h, mi, 59),
					t);
				if (d == 1 || d == 28)
					assert_int_equal(
						host_timegm(y, m, d, h, mi, 59),
						t);
			}
}

static void test_cpuid_leaf15(void **state)
{
	const uint32_t l15[4] = { 2, 200, 24000000, 0 };
	const uint32_t l16[4] = { 3000, 4000, 100, 0 };
	const uint32_t none[4] = { 0 };

	(void)state;
	assert_int_equal(arch_tsc_hz_from_cpuid(0x15, l15, none),
			 2400000000ULL);
	/* 0x15 wins over 0x16 */
	assert_int_equal(arch_tsc_hz_from_cpuid(0x16, l15, l16), 2400000000ULL);
	assert_int_equal(arch_tsc_hz_from_cpuid(0x20, l15, l16), 2400000000ULL);
}

static void test_cpuid_leaf15_large(void **state)
{
	const uint32_t l15[4] = { 1, 0xffffffffu, 0xffffffffu, 0 };
	const uint32_t l15b[4] = { 3, 250, 25000000, 0 };
	const uint32_t none[4] = { 0 };

	(void)state;
	assert_int_equal(arch_tsc_hz_from_cpuid(0x15, l15, none),
			 0xfffffffe00000001ULL);
	assert_int_equal(arch_tsc_hz_from_cpuid(0x15, l15b, none),
			 2083333333ULL);
}

/* An incomplete leaf 0x15 falls back to 0x16 (base MHz, EAX[15:0]). */
static void test_cpuid_fallback(void **state)
{
	const uint32_t no_crystal[4] = { 2, 200, 0, 0 };
	const uint32_t no_den[4] = { 0, 200, 24000000, 0 };
	const uint32_t no_num[4] = { 2, 0, 24000000, 0 };
	const uint32_t l16[4] = { 3000, 4000, 100, 0 };
	const uint32_t l16_high[4] = { 0xabcd0000u | 3000, 0, 0, 0 };

	(void)state;
	assert_int_equal(arch_tsc_hz_from_cpuid(0x16, no_crystal, l16),
			 3000000000ULL);
	assert_int_equal(arch_tsc_hz_from_cpuid(0x16, no_den, l16),
			 3000000000ULL);
	assert_int_equal(arch_tsc_hz_from_cpuid(0x16, no_num, l16),
			 3000000000ULL);
	assert_int_equal(arch_tsc_hz_from_cpuid(0x16, no_crystal, l16_high),
			 3000000000ULL);
	/* 0x16 is not there to fall back to */
	assert_int_equal(arch_tsc_hz_from_cpuid(0x15, no_crystal, l16), 0);
}

static void test_cpuid_nothing(void **state)
{
	const uint32_t l15[4] = { 2, 200, 24000000, 0 };
	const uint32_t l16[4] = { 3000, 0, 0, 0 };
	const uint32_t zero[4] = { 0 };
	const uint32_t l16_no_mhz[4] = { 0xffff0000u, 4000, 100, 0 };

	(void)state;
	assert_int_equal(arch_tsc_hz_from_cpuid(0x14, l15, l16), 0);
	assert_int_equal(arch_tsc_hz_from_cpuid(0, l15, l16), 0);
	assert_int_equal(arch_tsc_hz_from_cpuid(0x16, zero, zero), 0);
	assert_int_equal(arch_tsc_hz_from_cpuid(0, zero, zero), 0);
	assert_int_equal(arch_tsc_hz_from_cpuid(0x16, zero, l16_no_mhz), 0);
}

static struct arch_pvclock pv(uint32_t mul, int8_t shift)
{
	return (struct arch_pvclock){
		.tsc_timestamp = 0x7000000000ULL,
		.system_time = 5 * NS,
		.tsc_to_system_mul = mul,
		.tsc_shift = shift,
	};
}

/* mul 2^31 is half a nanosecond per (shifted) tick. */
static void test_pvclock_simple(void **state)
{
	static const struct {
		int8_t shift;
		uint64_t hz;
	} cases[] = { { 0, 2000000000ULL },
		      { -1, 4000000000ULL },
		      { 1, 1000000000ULL },
		      { 2, 500000000ULL } };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct arch_pvclock p = pv(0x80000000u, cases[i].shift);
		uint64_t ts = p.tsc_timestamp, hz = cases[i].hz;

		assert_int_equal(arch_pvclock_tsc_hz(&p), hz);
		assert_int_equal(arch_pvclock_ns(&p, ts), 5 * NS);
		assert_int_equal(arch_pvclock_ns(&p, ts + hz), 6 * NS);
		assert_int_equal(arch_pvclock_ns(&p, ts + 3 * hz / 1000),
				 5 * NS + 3000000);
		assert_int_equal(arch_pvclock_ns(&p, ts + 100 * YEAR * hz),
				 5 * NS + 100 * YEAR * NS);
	}
}

/* The scale KVM would pick for hz (kvm_get_time_scale): 2^32 * ns per
 * tick, halved or doubled until it lies in [2^31, 2^32). */
static struct arch_pvclock pv_for(uint64_t hz)
{
	int8_t shift = 0;
	u128 mul = ((u128)NS << 32) / hz;

	while (mul >= (u128)1 << 32) {
		mul >>= 1;
		shift++;
	}
	while (mul < (u128)1 << 31) {
		mul <<= 1;
		shift--;
	}
	return pv((uint32_t)mul, shift);
}

static void test_pvclock_real_freqs(void **state)
{
	(void)state;
	for (size_t i = 0; i < NFREQ; i++) {
		uint64_t hz = freqs[i];
		struct arch_pvclock p = pv_for(hz);
		uint64_t ts = p.tsc_timestamp;
		uint64_t got = arch_pvclock_tsc_hz(&p);
		uint64_t err = got > hz ? got - hz : hz - got;

		assert_true(err <= hz / 10000000); /* 0.1 ppm */
		assert_in_range(arch_pvclock_ns(&p, ts + hz), 6 * NS - 1,
				6 * NS + 1);
		got = arch_pvclock_ns(&p, ts + YEAR * hz) - 5 * NS;
		err = got > YEAR * NS ? got - YEAR * NS : YEAR * NS - got;
		assert_true(err <= YEAR * NS / 1000000);
	}
}

/* Deltas near 2^64 with the largest multiplier: the 128-bit product. */
static void test_pvclock_large(void **state)
{
	struct arch_pvclock p = pv(0xffffffffu, 0);
	uint64_t delta = UINT64_MAX - p.tsc_timestamp;
	uint64_t want = (uint64_t)(((u128)delta * 0xffffffffu) >> 32);

	(void)state;
	p.system_time = 0;
	assert_int_equal(arch_pvclock_ns(&p, UINT64_MAX), want);
	assert_true(want > (UINT64_MAX >> 1));
	p = pv(0x80000000u, 1); /* 1 ns per tick */
	assert_int_equal(arch_pvclock_ns(&p, p.tsc_timestamp + (1ULL << 62)),
			 5 * NS + (1ULL << 62));
	p = pv(0x80000000u, -1); /* 1/4 ns per tick */
	assert_int_equal(arch_pvclock_ns(&p, p.tsc_timestamp + (3ULL << 62)),
			 5 * NS + (3ULL << 60));
}

static void test_pvclock_zero_mul(void **state)
{
	struct arch_pvclock p = pv(0, 0);

	(void)state;
	assert_int_equal(arch_pvclock_tsc_hz(&p), 0);
	assert_int_equal(arch_pvclock_ns(&p, p.tsc_timestamp + 12345), 5 * NS);
}

static void test_x2apic_msr(void **state)
{
	(void)state;
	assert_int_equal(arch_x2apic_msr(0x020), 0x802); /* id */
	assert_int_equal(arch_x2apic_msr(0x030), 0x803); /* version */
	assert_int_equal(arch_x2apic_msr(0x0b0), 0x80b); /* EOI */
	assert_int_equal(arch_x2apic_msr(0x0f0), 0x80f); /* spurious */
	assert_int_equal(arch_x2apic_msr(0x300), 0x830); /* ICR */
	assert_int_equal(arch_x2apic_msr(0x320), 0x832); /* LVT timer */
	assert_int_equal(arch_x2apic_msr(0x380), 0x838); /* initial count */
	assert_int_equal(arch_x2apic_msr(0x390), 0x839); /* current count */
	assert_int_equal(arch_x2apic_msr(0x3e0), 0x83e); /* divide */
}

static void msi(unsigned vector, uint32_t dest, uint64_t want_addr,
		uint32_t want_data)
{
	uint64_t addr = 0;
	uint32_t data = 0xdeadbeef;

	arch_msi_message(vector, dest, &addr, &data);
	assert_int_equal(addr, want_addr);
	assert_int_equal(data, want_data);
}

/* Fixed delivery, edge: the vector alone in the data; dest in 19:12. */
static void test_msi_message(void **state)
{
	(void)state;
	msi(0x30, 0, 0xfee00000ULL, 0x30);
	msi(0x31, 1, 0xfee01000ULL, 0x31);
	msi(0xef, 3, 0xfee03000ULL, 0xef);
	msi(0x40, 0x7f, 0xfee7f000ULL, 0x40);
	msi(0x41, 0xff, 0xfeeff000ULL, 0x41);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tsc_round_numbers),
		cmocka_unit_test(test_tsc_exact_freqs),
		cmocka_unit_test(test_tsc_before_tsc0),
		cmocka_unit_test(test_tsc_long_uptime),
		cmocka_unit_test(test_tsc_monotonic),
		cmocka_unit_test(test_roundtrip_short),
		cmocka_unit_test(test_roundtrip_long),
		cmocka_unit_test(test_ns_to_tsc),
		cmocka_unit_test(test_civil_known),
		cmocka_unit_test(test_civil_every_day),
		cmocka_unit_test(test_cpuid_leaf15),
		cmocka_unit_test(test_cpuid_leaf15_large),
		cmocka_unit_test(test_cpuid_fallback),
		cmocka_unit_test(test_cpuid_nothing),
		cmocka_unit_test(test_pvclock_simple),
		cmocka_unit_test(test_pvclock_real_freqs),
		cmocka_unit_test(test_pvclock_large),
		cmocka_unit_test(test_pvclock_zero_mul),
		cmocka_unit_test(test_x2apic_msr),
		cmocka_unit_test(test_msi_message),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
