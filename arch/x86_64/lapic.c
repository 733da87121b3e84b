/* The local APIC: x2APIC through MSRs when CPUID offers it, else xAPIC
 * through its MMIO page; end of interrupt, and the timer in one-shot or
 * TSC-deadline mode. */
#include <errno.h>

#include <arch/cpu.h>
#include <arch/irq.h>

#define MSR_APIC_BASE 0x1b
#define MSR_TSC_DEADLINE 0x6e0
#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_X2APIC (1u << 10)
#define CPUID_1_ECX_X2APIC (1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)

#define REG_ID 0x20
#define REG_TPR 0x80
#define REG_EOI 0xb0
#define REG_SVR 0xf0
#define REG_LVT_TIMER 0x320
#define REG_LVT_LINT0 0x350
#define REG_LVT_LINT1 0x360
#define REG_LVT_ERROR 0x370
#define REG_TIMER_INIT 0x380
#define REG_TIMER_CUR 0x390
#define REG_TIMER_DIV 0x3e0
#define SVR_ENABLE 0x100
#define LVT_MASKED 0x10000
#define LVT_TSC_DEADLINE 0x40000
#define TIMER_DIV_1 0xb

static volatile uint32_t *mmio;
static int x2apic, tsc_deadline;

static uint32_t rd(uint32_t reg)
{
	if (x2apic)
		return (uint32_t)arch_rdmsr(arch_x2apic_msr(reg));
	return mmio[reg / 4];
}

static void wr(uint32_t reg, uint32_t v)
{
	if (x2apic)
		arch_wrmsr(arch_x2apic_msr(reg), v);
	else
		mmio[reg / 4] = v;
}

int arch_lapic_init(uint64_t base, arch_map_fn map)
{
	uint32_t r[4];
	uint64_t msr = arch_rdmsr(MSR_APIC_BASE);

	arch_cpuid(1, 0, r);
	if (!(r[3] & (1u << 9)))
		return -ENODEV;
	x2apic = !!(r[2] & CPUID_1_ECX_X2APIC);
	tsc_deadline = !!(r[2] & CPUID_1_ECX_TSC_DEADLINE);
	msr |= APIC_BASE_ENABLE; /* xAPIC first: disabled -> x2APIC is #GP */
	arch_wrmsr(MSR_APIC_BASE, msr);
	if (x2apic)
		arch_wrmsr(MSR_APIC_BASE, msr | APIC_BASE_X2APIC);
	if (!x2apic && !(mmio = map(base, 4096)))
		return -ENOMEM;
	wr(REG_TPR, 0);
	wr(REG_LVT_LINT0, LVT_MASKED);
	wr(REG_LVT_LINT1, LVT_MASKED);
	wr(REG_LVT_ERROR, LVT_MASKED);
	wr(REG_TIMER_DIV, TIMER_DIV_1);
	wr(REG_LVT_TIMER, LVT_MASKED | ARCH_IRQ_TIMER);
	wr(REG_SVR, SVR_ENABLE | ARCH_IRQ_SPURIOUS);
	return 0;
}

const char *arch_lapic_mode(void)
{
	return x2apic ? "x2APIC" : "xAPIC";
}

uint32_t arch_lapic_id(void)
{
	return x2apic ? rd(REG_ID) : rd(REG_ID) >> 24;
}

/* Signal end of interrupt (called after every device vector's handler). */
void arch_lapic_eoi(void);
void arch_lapic_eoi(void)
{
	wr(REG_EOI, 0);
}

int arch_lapic_has_tsc_deadline(void)
{
	return tsc_deadline;
}

static int deadline_mode; /* the LVT is in TSC-deadline mode */

void arch_lapic_timer_deadline(uint64_t tsc)
{
	if (!deadline_mode) {
		wr(REG_LVT_TIMER, LVT_TSC_DEADLINE | ARCH_IRQ_TIMER);
		/* SDM 10.5.4.1: the mode switch must be ordered before the
		 * MSR write, or the write may be ignored. */
		__asm__ volatile("mfence" ::: "memory");
		deadline_mode = 1;
	}
	arch_wrmsr(MSR_TSC_DEADLINE, tsc ? tsc : 1);
}

void arch_lapic_timer_oneshot(uint32_t count)
{
	if (deadline_mode && !count) { /* stop: disarm the deadline */
		arch_wrmsr(MSR_TSC_DEADLINE, 0);
		return;
	}
	deadline_mode = 0;
	wr(REG_LVT_TIMER, (count ? 0 : LVT_MASKED) | ARCH_IRQ_TIMER);
	wr(REG_TIMER_INIT, count);
}

uint32_t arch_lapic_timer_current(void)
{
	return rd(REG_TIMER_CUR);
}
