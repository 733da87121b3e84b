/* Device interrupts, handled in two halves: in interrupt context the
 * kernel only records the vector (and masks a level-triggered pin); the
 * registered function runs later from the event loop, in normal context,
 * after which the pin is unmasked. */
#ifndef KERN_IRQ_H
#define KERN_IRQ_H

#include <stdint.h>

typedef void (*kern_irq_fn)(void *arg);

/* Bring up the local APIC and every I/O APIC the MADT lists (or QEMU's
 * default one without a MADT), mask the 8259s, install the vectors. */
void kern_irq_init(void);

/* Run fn(arg) from the loop whenever GSI gsi fires. A line already
 * attached is shared (legacy PCI INTx): every handler on it runs and
 * must check its own device. Returns the vector, or -ENOSPC, -ENOENT (no
 * I/O APIC serves gsi), -EBUSY (shared with a different trigger or
 * polarity, or too many sharers). */
int kern_irq_attach_gsi(uint32_t gsi, int level, int active_low, kern_irq_fn fn,
			void *arg);

/* The same for ISA IRQ irq, through the MADT's overrides. */
int kern_irq_attach_isa(unsigned irq, kern_irq_fn fn, void *arg);

/* A vector for an MSI/MSI-X source: fills the message address and data
 * to program into the device. Returns the vector or -ENOSPC. */
int kern_irq_alloc_msi(kern_irq_fn fn, void *arg, uint64_t *addr,
		       uint32_t *data);

/* Run the functions of the interrupts recorded since the last call;
 * returns how many ran. */
int kern_irq_run(void);

/* Whether any interrupt is recorded and not yet run. */
int kern_irq_pending(void);

/* Hardware interrupts taken since boot (all vectors). */
uint64_t kern_irq_count(void);

#endif
