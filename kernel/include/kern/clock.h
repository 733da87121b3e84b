/* The kernel's clocks: monotonic nanoseconds since boot from the TSC (or
 * kvmclock), and the wall clock from kvmclock or the CMOS RTC. The TSC
 * conversion is pure code, unit-tested: 64-bit multiplier and a 128-bit
 * product, so it cannot overflow over any uptime. */
#ifndef KERN_CLOCK_H
#define KERN_CLOCK_H

#include <stdint.h>

struct kern_tsc_conv {
	uint64_t tsc0; /* TSC value at 0 ns */
	uint64_t hz;
	uint64_t mult; /* ns per tick, fixed point with 32 fraction bits */
};

/* Set c up for a TSC of hz Hz that read tsc0 at 0 ns. */
void kern_tsc_conv_init(struct kern_tsc_conv *c, uint64_t tsc0, uint64_t hz);

/* Nanoseconds at TSC value tsc (0 before tsc0). */
uint64_t kern_tsc_to_ns(const struct kern_tsc_conv *c, uint64_t tsc);

/* The first TSC value at which kern_tsc_to_ns reads at least ns. */
uint64_t kern_ns_to_tsc(const struct kern_tsc_conv *c, uint64_t ns);

/* Seconds since 1970-01-01 of a UTC civil date and time (proleptic
 * Gregorian). */
int64_t kern_civil_to_unix(int year, int month, int day, int hour, int min,
			   int sec);

/* Choose and calibrate the clock source (kvmclock, CPUID, ACPI PM timer
 * or PIT), measure the local APIC timer, read the wall clock; log both.
 * Monotonic time counts from boot_tsc, the TSC at kernel entry. */
void kern_clock_init(uint64_t boot_tsc);

/* Monotonic nanoseconds since kernel entry. */
uint64_t kern_clock_ns(void);

/* Nanoseconds since 1970 (UTC). */
uint64_t kern_clock_realtime_ns(void);

/* Local APIC timer ticks per second (0 if it could not be measured), and
 * the TSC conversion (for TSC-deadline programming). */
uint64_t kern_clock_lapic_hz(void);
const struct kern_tsc_conv *kern_clock_tsc(void);

#endif
