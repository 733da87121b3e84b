/* The kernel's clocks (see kern/clock.h): picks the best TSC frequency
 * source, measures the local APIC timer against the same reference, and
 * reads the wall clock once at boot. */
#include <arch/clock.h>
#include <arch/cpu.h>
#include <kern/acpi.h>
#include <kern/clock.h>
#include <kern/console.h>

static struct kern_tsc_conv tsc;
static const volatile struct arch_pvclock *pvclock;
static uint64_t pvclock_base, realtime_base, lapic_hz;

/* A consistent reading of the live pvclock structure. */
static uint64_t pvclock_read(void)
{
	struct arch_pvclock p;
	uint32_t v;

	do {
		v = __atomic_load_n(&pvclock->version, __ATOMIC_ACQUIRE);
		p = *(const struct arch_pvclock *)pvclock;
		__atomic_thread_fence(
			__ATOMIC_ACQUIRE); /* read, then recheck */
	} while ((v & 1) ||
		 v != __atomic_load_n(&pvclock->version, __ATOMIC_ACQUIRE));
	return arch_pvclock_ns(&p, arch_rdtsc());
}

/* The TSC frequency and where it came from. The calibration always runs:
 * it also measures the local APIC timer, which one-shot mode needs. */
static uint64_t tsc_hz(const char **source, uint64_t *wall_ns)
{
	uint64_t hz;

	uint64_t measured = arch_calibrate(kern_acpi.pm_timer,
					   kern_acpi.pm_timer_32bit, &lapic_hz);

	if (arch_kvmclock_init(&pvclock, wall_ns)) {
		*source = "kvmclock";
		return arch_pvclock_tsc_hz(
			(const struct arch_pvclock *)pvclock);
	}
	if ((hz = arch_tsc_hz_cpuid())) {
		*source = "CPUID 0x15/0x16";
		return hz;
	}
	*source = kern_acpi.pm_timer ? "the ACPI PM timer" : "the PIT";
	return measured;
}

/* The wall clock from the CMOS RTC, in ns since 1970 (0 if unreadable). */
static uint64_t rtc_ns(void)
{
	struct arch_rtc_time t;

	if (arch_rtc_read(&t))
		return 0;
	return (uint64_t)kern_civil_to_unix(t.year, t.month, t.day, t.hour,
					    t.min, t.sec) *
	       1000000000ULL;
}

void kern_clock_init(uint64_t boot_tsc)
{
	const char *source;
	uint64_t wall_ns = 0, hz = tsc_hz(&source, &wall_ns);

	if (!hz) {
		source = "a guess (no reference counted)";
		hz = 1000000000ULL;
	}
	kern_tsc_conv_init(&tsc, boot_tsc, hz);
	if (pvclock) /* count from kernel entry too */
		pvclock_base =
			pvclock_read() - kern_tsc_to_ns(&tsc, arch_rdtsc());
	if (!wall_ns)
		wall_ns = rtc_ns();
	realtime_base = wall_ns - kern_clock_ns();
	kern_info("clock: TSC %lu.%03lu MHz from %s; LAPIC timer %lu.%03lu "
		  "MHz; wall clock from %s",
		  (unsigned long)(hz / 1000000),
		  (unsigned long)(hz / 1000 % 1000), source,
		  (unsigned long)(lapic_hz / 1000000),
		  (unsigned long)(lapic_hz / 1000 % 1000),
		  pvclock ? "kvmclock" : "the CMOS RTC");
}

uint64_t kern_clock_ns(void)
{
	if (pvclock)
		return pvclock_read() - pvclock_base;
	return kern_tsc_to_ns(&tsc, arch_rdtsc());
}

uint64_t kern_clock_realtime_ns(void)
{
	return realtime_base + kern_clock_ns();
}

uint64_t kern_clock_lapic_hz(void)
{
	return lapic_hz;
}

const struct kern_tsc_conv *kern_clock_tsc(void)
{
	return &tsc;
}
