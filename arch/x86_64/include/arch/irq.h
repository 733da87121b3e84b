/* x86_64 interrupts: vectors 32-255, the local APIC (xAPIC or x2APIC, its
 * timer), I/O APICs and the legacy PIC. A handler runs in interrupt context
 * on an IST stack, with interrupts off: it must only record what happened
 * (the kernel's event loop does the work) and must not fault. */
#ifndef ARCH_IRQ_H
#define ARCH_IRQ_H

#include <stddef.h>
#include <stdint.h>

#define ARCH_IRQ_FIRST 0x30 /* first vector handed out to devices */
#define ARCH_IRQ_LAST 0xef
#define ARCH_IRQ_TIMER 0xf0 /* the local APIC timer */
#define ARCH_IRQ_SPURIOUS 0xff

typedef void (*arch_irq_fn)(unsigned vector, void *arg);

/* Maps device memory; returns its address or NULL (the kernel's). */
typedef void *(*arch_map_fn)(uint64_t pa, size_t size);

/* Install gates for vectors 32-255 and mask the legacy PICs. */
void arch_irq_init(void);

/* Send vector to fn(vector, arg) from now on (NULL: ignore it). */
void arch_irq_set(unsigned vector, arch_irq_fn fn, void *arg);

/* Enable interrupts, halt until one arrives, disable them again; no
 * interrupt that became pending before the call is lost (sti; hlt). */
void arch_irq_idle(void);

/* Disable interrupts and return whether they were enabled; give that to
 * arch_irq_restore to put them back as they were. */
int arch_irq_save(void);
void arch_irq_restore(int enabled);

/* Enable or disable interrupts on this CPU. */
void arch_irq_enable(void);
void arch_irq_disable(void);

/* Enable the local APIC at physical base (x2APIC when the CPU has it,
 * else xAPIC through map), spurious vector set, all LVTs masked but the
 * timer. Returns 0, or -ENODEV without an APIC. */
int arch_lapic_init(uint64_t base, arch_map_fn map);

/* "x2APIC" or "xAPIC". */
const char *arch_lapic_mode(void);

/* This CPU's local APIC id. */
uint32_t arch_lapic_id(void);

/* Whether the timer has TSC-deadline mode (CPUID.1:ECX[24]). */
int arch_lapic_has_tsc_deadline(void);

/* Fire the timer interrupt once at TSC value tsc (TSC-deadline mode). */
void arch_lapic_timer_deadline(uint64_t tsc);

/* Fire the timer interrupt once after count timer ticks (one-shot mode,
 * divide by 1); count 0 stops the timer. */
void arch_lapic_timer_oneshot(uint32_t count);

/* The one-shot timer's current count. */
uint32_t arch_lapic_timer_current(void);

/* Add the I/O APIC at physical addr serving GSIs from gsi_base. Returns
 * 0, -ENOSPC (too many) or -ENOMEM (mapping failed). */
int arch_ioapic_add(uint64_t addr, uint32_t gsi_base, arch_map_fn map);

/* Route gsi to vector on the APIC dest (masked or not). 0, or -ENOENT when
 * no I/O APIC serves gsi. */
int arch_ioapic_route(uint32_t gsi, unsigned vector, int level, int active_low,
		      uint32_t dest, int masked);

/* Mask or unmask gsi's pin. */
void arch_ioapic_mask(uint32_t gsi, int masked);

/* Whether an I/O APIC added so far serves gsi (1) or none does (0). */
int arch_ioapic_serves(uint32_t gsi);

/* The MSI message that delivers vector to APIC dest (edge, fixed). */
void arch_msi_message(unsigned vector, uint32_t dest, uint64_t *addr,
		      uint32_t *data);

/* The x2APIC MSR that holds xAPIC register reg (offset from the base). */
static inline uint32_t arch_x2apic_msr(uint32_t reg)
{
	return 0x800 + (reg >> 4);
}

#endif
