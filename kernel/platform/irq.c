/* kernel/platform: the machine around the CPU, as the firmware
 * describes it. The ACPI tables (acpi.c), device interrupts (this file),
 * and the power button (power_button.c).
 *
 * Device interrupts (see kern/irq.h): vector allocation, I/O APIC routing
 * with the MADT's overrides, and the deferred half run by the loop. */
#include <errno.h>

#include <arch/irq.h>
#include <kern/acpi.h>
#include <kern/console.h>
#include <kern/exit.h>
#include <kern/irq.h>
#include <kern/mm.h>
#include <kern/prof.h>

#define QEMU_IOAPIC 0xfec00000ULL
#define QEMU_LAPIC 0xfee00000ULL

#define MAX_SHARED 4 /* handlers on one line (legacy INTx is shared) */
#define MAX_GSI 64

/* One function attached to a vector: the loop runs it, the deferred half
 * (the half in interrupt context is record(), the same for every vector). */
struct kern_irq_action {
	kern_irq_fn fn;
	void *arg;
};

struct irq_slot {
	struct kern_irq_action h[MAX_SHARED];
	int nh;
	int64_t gsi; /* -1 for MSI and internal vectors */
	int level, active_low;
};

static struct irq_slot slots[256];
static uint8_t gsi_vector[MAX_GSI]; /* 0: not attached yet */
static uint64_t pending[4];
static uint64_t count;
static unsigned next_vector = ARCH_IRQ_FIRST;
static uint32_t bsp_apic;

/* Interrupt context: count, mask a level pin, record. */
static void record(unsigned vector, void *arg)
{
	struct irq_slot *s = arg;

	__atomic_add_fetch(&count, 1, __ATOMIC_RELAXED);
	if (s->level)
		arch_ioapic_mask((uint32_t)s->gsi, 1);
	__atomic_fetch_or(&pending[vector / 64], 1ULL << (vector % 64),
			  __ATOMIC_RELEASE);
}

static void *map(uint64_t pa, size_t size)
{
	return kern_mm_map_device(pa, size);
}

static int alloc_vector(kern_irq_fn fn, void *arg, int64_t gsi, int level)
{
	unsigned v = next_vector;

	if (v > ARCH_IRQ_LAST)
		return -ENOSPC;
	next_vector++;
	slots[v] = (struct irq_slot){ .gsi = gsi, .level = level };
	slots[v].h[slots[v].nh++] = (struct kern_irq_action){ fn, arg };
	arch_irq_set(v, record, &slots[v]);
	return (int)v;
}

/* Add fn to the vector that already serves gsi (a shared line). */
static int share(unsigned v, int level, int active_low, kern_irq_fn fn,
		 void *arg)
{
	struct irq_slot *s = &slots[v];

	if (s->level != level || s->active_low != active_low ||
	    s->nh == MAX_SHARED)
		return -EBUSY;
	s->h[s->nh++] = (struct kern_irq_action){ fn, arg };
	return (int)v;
}

static void add_ioapics(void)
{
	if (!kern_acpi.nioapic) {
		arch_ioapic_add(QEMU_IOAPIC, 0, map);
		return;
	}
	for (int i = 0; i < kern_acpi.nioapic; i++)
		if (arch_ioapic_add(kern_acpi.ioapic[i].addr,
				    kern_acpi.ioapic[i].gsi_base, map))
			kern_info("irq: I/O APIC at 0x%x left out",
				  kern_acpi.ioapic[i].addr);
}

void kern_irq_init(void)
{
	uint64_t lapic =
		kern_acpi.lapic_addr ? kern_acpi.lapic_addr : QEMU_LAPIC;

	arch_irq_init();
	if (arch_lapic_init(lapic, map))
		kern_panic("no usable local APIC");
	bsp_apic = arch_lapic_id();
	slots[ARCH_IRQ_TIMER] = (struct irq_slot){ .gsi = -1 };
	arch_irq_set(ARCH_IRQ_TIMER, record, &slots[ARCH_IRQ_TIMER]);
	add_ioapics();
	kern_info("irq: %s id %u, %d I/O APIC(s), 8259 PICs masked",
		  arch_lapic_mode(), bsp_apic,
		  kern_acpi.nioapic ? kern_acpi.nioapic : 1);
}

int kern_irq_attach_gsi(uint32_t gsi, int level, int active_low, kern_irq_fn fn,
			void *arg)
{
	int v;

	if (gsi < MAX_GSI && gsi_vector[gsi])
		return share(gsi_vector[gsi], level, active_low, fn, arg);
	v = alloc_vector(fn, arg, gsi, level);
	if (v < 0)
		return v;
	slots[v].active_low = active_low;
	if (arch_ioapic_route(gsi, (unsigned)v, level, active_low, bsp_apic, 0))
		return -ENOENT;
	if (gsi < MAX_GSI)
		gsi_vector[gsi] = (uint8_t)v;
	return v;
}

int kern_irq_attach_isa(unsigned irq, kern_irq_fn fn, void *arg)
{
	unsigned gsi;
	int level, active_low;

	kern_acpi_isa_irq(&kern_acpi, irq, &gsi, &level, &active_low);
	return kern_irq_attach_gsi(gsi, level, active_low, fn, arg);
}

int kern_irq_alloc_msi(kern_irq_fn fn, void *arg, uint64_t *addr,
		       uint32_t *data)
{
	int v = alloc_vector(fn, arg, -1, 0);

	if (v >= 0)
		arch_msi_message((unsigned)v, bsp_apic, addr, data);
	return v;
}

int kern_irq_pending(void)
{
	for (int i = 0; i < 4; i++)
		if (__atomic_load_n(&pending[i], __ATOMIC_ACQUIRE))
			return 1;
	return 0;
}

int kern_irq_run(void)
{
	int ran = 0;
	int prev;

	for (unsigned w = 0; w < 4; w++) {
		uint64_t bits =
			__atomic_exchange_n(&pending[w], 0, __ATOMIC_ACQUIRE);

		while (bits) {
			unsigned v = w * 64 + (unsigned)__builtin_ctzll(bits);
			struct irq_slot *s = &slots[v];

			bits &= bits - 1;
			prev = kern_prof_enter(KERN_PROF_DRIVER);
			for (int i = 0; i < s->nh; i++)
				s->h[i].fn(s->h[i].arg);
			kern_prof_leave(prev);
			if (s->level)
				arch_ioapic_mask((uint32_t)s->gsi, 0);
			ran++;
		}
	}
	return ran;
}

uint64_t kern_irq_count(void)
{
	return __atomic_load_n(&count, __ATOMIC_RELAXED);
}
