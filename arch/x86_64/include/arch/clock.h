/* x86_64 time sources: the TSC's frequency (CPUID leaves 0x15/0x16, or
 * calibration against the ACPI PM timer or the PIT), kvmclock (pvclock),
 * and the CMOS real-time clock. The pure parts (frequency from CPUID
 * values, pvclock arithmetic) are unit-tested with mocked data. */
#ifndef ARCH_CLOCK_H
#define ARCH_CLOCK_H

#include <stdint.h>

/* The pvclock structure a hypervisor keeps up to date (KVM ABI). */
struct arch_pvclock {
	uint32_t version; /* odd while the hypervisor updates it */
	uint32_t pad0;
	uint64_t tsc_timestamp;
	uint64_t system_time; /* ns at tsc_timestamp */
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad[2];
} __attribute__((packed));

/* The wall clock at the host's boot (KVM ABI). */
struct arch_pvclock_wall {
	uint32_t version;
	uint32_t sec;
	uint32_t nsec;
} __attribute__((packed));

struct arch_rtc_time {
	int year, month, day, hour, min, sec;
};

/* The TSC frequency from CPUID leaf 0x15 (crystal ratio) or 0x16 (base
 * MHz), given max_leaf and the two leaves' EAX..EDX; 0 when they do not
 * tell. */
uint64_t arch_tsc_hz_from_cpuid(uint32_t max_leaf, const uint32_t l15[4],
				const uint32_t l16[4]);

/* Nanoseconds of pvclock p at TSC value tsc. */
uint64_t arch_pvclock_ns(const struct arch_pvclock *p, uint64_t tsc);

/* The TSC frequency pvclock p implies, in Hz. */
uint64_t arch_pvclock_tsc_hz(const struct arch_pvclock *p);

/* The TSC frequency from this CPU's CPUID (see arch_tsc_hz_from_cpuid). */
uint64_t arch_tsc_hz_cpuid(void);

/* Whether the hypervisor offers kvmclock; if so, start it and point *pv at
 * the live structure and fill *wall_ns with the wall-clock time now. */
int arch_kvmclock_init(const volatile struct arch_pvclock **pv,
		       uint64_t *wall_ns);

/* Count TSC ticks and local-APIC timer ticks (if lapic_hz) over a short
 * window timed by the ACPI PM timer at port pm_port (pm32: 32-bit counter)
 * or, when pm_port is 0, by PIT channel 0. Returns the TSC frequency in
 * Hz, or 0 if the reference did not move. */
uint64_t arch_calibrate(uint32_t pm_port, int pm32, uint64_t *lapic_hz);

/* Read the CMOS RTC (waiting out an update). 0, or -EIO if it stays in
 * update. */
int arch_rtc_read(struct arch_rtc_time *t);

/* The hypervisor's CPUID signature ("KVMKVMKVM", "TCGTCGTCGTCG") or "". */
const char *arch_hypervisor(void);

#endif
