/* I/O APICs: routing global system interrupts to vectors, masking pins. */
#include <errno.h>

#include <arch/irq.h>

#define MAX_IOAPIC 4
#define REG_SEL 0x00
#define REG_WIN 0x10
#define IOAPIC_VER 0x01
#define IOAPIC_REDTBL 0x10
#define RTE_LEVEL (1u << 15)
#define RTE_ACTIVE_LOW (1u << 13)
#define RTE_MASKED (1u << 16)

struct ioapic {
	volatile uint32_t *mmio;
	uint32_t gsi_base, pins;
};

static struct ioapic ioapics[MAX_IOAPIC];
static int nioapic;

static uint32_t rd(const struct ioapic *io, uint32_t reg)
{
	io->mmio[REG_SEL / 4] = reg;
	return io->mmio[REG_WIN / 4];
}

static void wr(const struct ioapic *io, uint32_t reg, uint32_t v)
{
	io->mmio[REG_SEL / 4] = reg;
	io->mmio[REG_WIN / 4] = v;
}

/* The I/O APIC serving gsi, with *pin its input; NULL if none. */
static struct ioapic *find(uint32_t gsi, uint32_t *pin)
{
	for (int i = 0; i < nioapic; i++)
		if (gsi >= ioapics[i].gsi_base &&
		    gsi < ioapics[i].gsi_base + ioapics[i].pins) {
			*pin = gsi - ioapics[i].gsi_base;
			return &ioapics[i];
		}
	return 0;
}

int arch_ioapic_add(uint64_t addr, uint32_t gsi_base, arch_map_fn map)
{
	struct ioapic *io = &ioapics[nioapic];

	if (nioapic == MAX_IOAPIC)
		return -ENOSPC;
	io->mmio = map(addr, 4096);
	if (!io->mmio)
		return -ENOMEM;
	io->gsi_base = gsi_base;
	io->pins = ((rd(io, IOAPIC_VER) >> 16) & 0xff) + 1;
	for (uint32_t pin = 0; pin < io->pins; pin++)
		wr(io, IOAPIC_REDTBL + 2 * pin, RTE_MASKED);
	nioapic++;
	return 0;
}

int arch_ioapic_route(uint32_t gsi, unsigned vector, int level, int active_low,
		      uint32_t dest, int masked)
{
	uint32_t pin;
	struct ioapic *io = find(gsi, &pin);

	if (!io)
		return -ENOENT;
	wr(io, IOAPIC_REDTBL + 2 * pin + 1, dest << 24);
	wr(io, IOAPIC_REDTBL + 2 * pin,
	   (vector & 0xff) | (level ? RTE_LEVEL : 0) |
		   (active_low ? RTE_ACTIVE_LOW : 0) |
		   (masked ? RTE_MASKED : 0));
	return 0;
}

void arch_ioapic_mask(uint32_t gsi, int masked)
{
	uint32_t pin, lo;
	struct ioapic *io = find(gsi, &pin);

	if (!io)
		return;
	lo = rd(io, IOAPIC_REDTBL + 2 * pin);
	wr(io, IOAPIC_REDTBL + 2 * pin,
	   masked ? lo | RTE_MASKED : lo & ~RTE_MASKED);
}

int arch_ioapic_serves(uint32_t gsi)
{
	uint32_t pin;

	return find(gsi, &pin) != NULL;
}

void arch_msi_message(unsigned vector, uint32_t dest, uint64_t *addr,
		      uint32_t *data)
{
	*addr = 0xfee00000ULL | ((dest & 0xff) << 12);
	*data = vector & 0xff;
}
