/* x86_64 time sources on the machine: CPUID frequency leaves, kvmclock,
 * calibration of the TSC and the local APIC timer against the ACPI PM
 * timer or PIT channel 0, and the CMOS RTC. */
#include <errno.h>
#include <string.h>

#include <arch/clock.h>
#include <arch/cpu.h>
#include <arch/irq.h>

#define MSR_KVM_WALL_CLOCK_NEW 0x4b564d00
#define MSR_KVM_SYSTEM_TIME_NEW 0x4b564d01
#define KVM_FEATURE_CLOCKSOURCE2 (1u << 3)
#define PM_TIMER_HZ 3579545ULL
#define PIT_HZ 1193182ULL
#define WINDOW_US 4000 /* calibration window */

static struct arch_pvclock pvclock __attribute__((aligned(64)));
static struct arch_pvclock_wall pvwall __attribute__((aligned(64)));
static char hv_sig[13];

const char *arch_hypervisor(void)
{
	uint32_t r[4];

	arch_cpuid(1, 0, r);
	if (!(r[2] & (1u << 31)))
		return "";
	arch_cpuid(0x40000000, 0, r);
	memcpy(hv_sig, &r[1], 4);
	memcpy(hv_sig + 4, &r[2], 4);
	memcpy(hv_sig + 8, &r[3], 4);
	hv_sig[12] = '\0';
	return hv_sig;
}

uint64_t arch_tsc_hz_cpuid(void)
{
	uint32_t r0[4], l15[4] = { 0 }, l16[4] = { 0 };

	arch_cpuid(0, 0, r0);
	if (r0[0] >= 0x15)
		arch_cpuid(0x15, 0, l15);
	if (r0[0] >= 0x16)
		arch_cpuid(0x16, 0, l16);
	return arch_tsc_hz_from_cpuid(r0[0], l15, l16);
}

int arch_kvmclock_init(const volatile struct arch_pvclock **pv,
		       uint64_t *wall_ns)
{
	uint32_t r[4];
	uint32_t v;

	if (strcmp(arch_hypervisor(), "KVMKVMKVM") != 0)
		return 0;
	arch_cpuid(0x40000001, 0, r);
	if (!(r[0] & KVM_FEATURE_CLOCKSOURCE2))
		return 0;
	arch_wrmsr(MSR_KVM_SYSTEM_TIME_NEW, (uint64_t)&pvclock | 1);
	arch_wrmsr(MSR_KVM_WALL_CLOCK_NEW, (uint64_t)&pvwall);
	do {
		v = __atomic_load_n(&pvwall.version, __ATOMIC_ACQUIRE);
		*wall_ns = pvwall.sec * 1000000000ULL + pvwall.nsec;
		__atomic_thread_fence(
			__ATOMIC_ACQUIRE); /* read, then recheck */
	} while ((v & 1) ||
		 v != __atomic_load_n(&pvwall.version, __ATOMIC_ACQUIRE));
	*pv = &pvclock;
	*wall_ns += arch_pvclock_ns(&pvclock, arch_rdtsc());
	return 1;
}

/* PIT channel 0's current count (latched). */
static uint16_t pit_count(void)
{
	uint16_t lo;

	arch_outb(0x43, 0x00); /* latch channel 0 */
	lo = arch_inb(0x40);
	return (uint16_t)(lo | arch_inb(0x40) << 8);
}

/* A reference counter: ticks elapsed since the last call, given the raw
 * reading before (*prev) — the PM timer counts up (24 or 32 bits), PIT
 * channel 0 counts down over all 65536 values. */
struct ref {
	uint32_t port; /* PM timer port, 0 for the PIT */
	uint32_t mask;
	uint64_t hz;
};

static uint32_t ref_read(const struct ref *r)
{
	return r->port ? arch_inl((uint16_t)r->port) & r->mask : pit_count();
}

static uint32_t ref_delta(const struct ref *r, uint32_t prev, uint32_t now)
{
	return r->port ? (now - prev) & r->mask : (uint16_t)(prev - now);
}

/* Leave PIT channel 0 stopped: mode 0 with a count of 1 fires once and
 * stays quiet, where the firmware's periodic mode would keep waking the
 * host 18 times a second for an interrupt nobody takes. */
static void pit_stop(void)
{
	arch_outb(0x43, 0x30); /* channel 0, lo/hi, mode 0 */
	arch_outb(0x40, 1);
	arch_outb(0x40, 0);
}

/* Start PIT channel 0 free-running in mode 2 over all 65536 counts (its
 * interrupt stays masked). Channel 2's gate at port 0x61 is not there on
 * every machine (microvm has no PC speaker). */
static void pit_start(void)
{
	arch_outb(0x43, 0x34); /* channel 0, lo/hi, mode 2 */
	arch_outb(0x40, 0);
	arch_outb(0x40, 0);
}

uint64_t arch_calibrate(uint32_t pm_port, int pm32, uint64_t *lapic_hz)
{
	struct ref r = { pm_port, pm32 ? 0xffffffffu : 0xffffffu,
			 pm_port ? PM_TIMER_HZ : PIT_HZ };
	uint64_t want = r.hz * WINDOW_US / 1000000, got = 0, spins = 0;
	uint64_t t0, t1;
	uint32_t prev, now, l0, l1;

	if (!pm_port)
		pit_start();
	arch_lapic_timer_oneshot(0xffffffffu);
	for (int i = 0; i < 8; i++) /* warm up: translate the loop once */
		prev = ref_read(&r);
	while ((now = ref_read(&r)) == prev) /* start on a tick edge */
		if (++spins > 100000000)
			return 0;
	t0 = arch_rdtsc();
	l0 = arch_lapic_timer_current();
	for (prev = now; got < want; prev = now) {
		now = ref_read(&r);
		got += ref_delta(&r, prev, now);
	}
	t1 = arch_rdtsc();
	l1 = arch_lapic_timer_current();
	arch_lapic_timer_oneshot(0);
	pit_stop();
	if (lapic_hz)
		*lapic_hz = (uint64_t)(l0 - l1) * r.hz / got;
	return (t1 - t0) * r.hz / got;
}

static int cmos(int reg)
{
	arch_outb(0x70, (uint8_t)reg);
	return arch_inb(0x71);
}

static int bcd(int v)
{
	return (v & 0x0f) + (v >> 4) * 10;
}

/* One reading of the RTC registers, decoded (BCD, 12-hour) per status B. */
static void rtc_sample(struct arch_rtc_time *t)
{
	int b = cmos(0x0b), hour = cmos(0x04);
	int pm = hour & 0x80;
	int (*conv)(int) = (b & 0x04) ? 0 : bcd;

	hour &= 0x7f;
	t->sec = conv ? conv(cmos(0x00)) : cmos(0x00);
	t->min = conv ? conv(cmos(0x02)) : cmos(0x02);
	t->hour = conv ? conv(hour) : hour;
	t->day = conv ? conv(cmos(0x07)) : cmos(0x07);
	t->month = conv ? conv(cmos(0x08)) : cmos(0x08);
	t->year = (conv ? conv(cmos(0x09)) : cmos(0x09)) + 2000;
	if (!(b & 0x02)) /* 12-hour mode: 12 AM is 0, 12 PM is 12 */
		t->hour = t->hour % 12 + (pm ? 12 : 0);
}

int arch_rtc_read(struct arch_rtc_time *t)
{
	struct arch_rtc_time again;

	for (int tries = 0; tries < 1000; tries++) {
		while (cmos(0x0a) & 0x80) /* update in progress */
			arch_pause();
		rtc_sample(t);
		rtc_sample(&again);
		if (memcmp(t, &again, sizeof(again)) == 0)
			return 0;
	}
	return -EIO;
}
