/* x86_64 interrupt plumbing: IDT gates for vectors 32-255, dispatch to the
 * registered handlers with the local APIC's end-of-interrupt, masking of
 * the legacy 8259 PICs, and halting with interrupts on. Compiled with
 * -mgeneral-regs-only: handlers run with the interrupted SSE state live. */
#include <arch/cpu.h>
#include <arch/irq.h>
#include <arch/trap.h>

#define PIC1_CMD 0x20
#define PIC1_DATA 0x21
#define PIC2_CMD 0xa0
#define PIC2_DATA 0xa1
#define IRQ_STUB_SIZE 16
#define IRQ_IST 4

/* What a vector runs in interrupt context (arch_irq_set). */
struct arch_irq_handler {
	arch_irq_fn fn;
	void *arg;
};

static struct arch_irq_handler handlers[256];
extern char arch_irq_stubs[];

void arch_lapic_eoi(void);

/* Remap the 8259s above the exception vectors, then mask every line. */
static void pic_mask_all(void)
{
	const uint8_t init[][2] = {
		{ PIC1_CMD, 0x11 },  { PIC2_CMD, 0x11 },  /* ICW1: init, ICW4 */
		{ PIC1_DATA, 0x20 }, { PIC2_DATA, 0x28 }, /* ICW2: vectors */
		{ PIC1_DATA, 0x04 }, { PIC2_DATA, 0x02 }, /* ICW3: cascade */
		{ PIC1_DATA, 0x01 }, { PIC2_DATA, 0x01 }, /* ICW4: 8086 */
		{ PIC1_DATA, 0xff }, { PIC2_DATA, 0xff }, /* mask all */
	};

	for (size_t i = 0; i < sizeof(init) / sizeof(init[0]); i++)
		arch_outb(init[i][0], init[i][1]);
}

void arch_irq_init(void)
{
	for (unsigned v = 32; v < 256; v++)
		arch_idt_set(
			v, (uint64_t)arch_irq_stubs + (v - 32) * IRQ_STUB_SIZE,
			IRQ_IST);
	pic_mask_all();
}

void arch_irq_set(unsigned vector, arch_irq_fn fn, void *arg)
{
	handlers[vector & 0xff].arg = arg;
	handlers[vector & 0xff].fn = fn;
}

/* Called from irq_entry.S. */
void arch_irq_dispatch(unsigned vector);
void arch_irq_dispatch(unsigned vector)
{
	struct arch_irq_handler *h = &handlers[vector & 0xff];

	if (h->fn)
		h->fn(vector, h->arg);
	if (vector != ARCH_IRQ_SPURIOUS && vector >= ARCH_IRQ_FIRST)
		arch_lapic_eoi();
}

void arch_irq_idle(void)
{
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}

int arch_irq_save(void)
{
	uint64_t flags;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
	return (flags & 0x200) != 0;
}

void arch_irq_restore(int enabled)
{
	if (enabled)
		__asm__ volatile("sti" ::: "memory");
}

void arch_irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}

void arch_irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}
