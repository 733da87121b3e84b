/* PCI at boot: configuration access through ECAM (from the ACPI MCFG
 * table) or mechanism #1 (ports 0xcf8/0xcfc), enumeration, the driver
 * table, the boot listing, the pci.dump option and MSI-X table mapping.
 * The decoding itself is pure code in pci_config.c. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <arch/cpu.h>
#include <drv/pci.h>
#include <kern/acpi.h>
#include <kern/cmdline.h>
#include <kern/console.h>
#include <kern/mm.h>

#include "pci_config.h"

#define PORT_ADDR 0xcf8
#define PORT_DATA 0xcfc
#define PORT_ENABLE 0x80000000u
#define CFG_SIZE 256
#define ECAM_CFG_SIZE 4096
#define ECAM_BUS_SHIFT 20 /* 32 devices x 8 functions x 4 KiB */
#define MAX_DEVS 64
#define MAX_DRIVERS 16
#define DUMP_CHUNK 32

static struct drv_pci_dev pci_devs[MAX_DEVS];
static int pci_ndevs;
static const struct drv_pci_driver *pci_drivers[MAX_DRIVERS];
static int pci_ndrivers;
static int pci_started;

/* All ones, width bytes wide: what a missing function reads as. */
static uint32_t all_ones(unsigned width)
{
	return width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
}

/* Configuration mechanism #1: the address goes to 0xcf8, the data moves
 * through 0xcfc + (off & 3). Only the first 256 bytes are reachable. */
static void port_select(uint16_t bdf, unsigned off)
{
	arch_outl(PORT_ADDR, PORT_ENABLE | (uint32_t)bdf << 8 | (off & 0xfc));
}

static uint32_t port_read(void *ctx, uint16_t bdf, unsigned off, unsigned width)
{
	(void)ctx;
	if (off >= CFG_SIZE)
		return all_ones(width);
	port_select(bdf, off);
	if (width == 1)
		return arch_inb(PORT_DATA + (off & 3));
	if (width == 2)
		return arch_inw(PORT_DATA + (off & 2));
	return arch_inl(PORT_DATA);
}

static void port_write(void *ctx, uint16_t bdf, unsigned off, unsigned width,
		       uint32_t v)
{
	(void)ctx;
	if (off >= CFG_SIZE)
		return;
	port_select(bdf, off);
	if (width == 1)
		arch_outb(PORT_DATA + (off & 3), (uint8_t)v);
	else if (width == 2)
		arch_outw(PORT_DATA + (off & 2), (uint16_t)v);
	else
		arch_outl(PORT_DATA, v);
}

static const struct drv_pci_cfg port_cfg = { port_read, port_write, NULL };

/* ECAM: each bus has a 1 MiB window at base + (bus << 20) (the MCFG base
 * is that of bus 0 even when the entry starts higher), mapped on first
 * use. Buses no segment-0 entry covers go through the ports. */
static uint8_t ecam_mapped[KERN_ACPI_MAX_MCFG][256 / 8];

static volatile uint8_t *ecam_bus(unsigned bus)
{
	for (int i = 0; i < kern_acpi.nmcfg && i < KERN_ACPI_MAX_MCFG; i++) {
		const struct kern_acpi_mcfg *m = &kern_acpi.mcfg[i];
		uint64_t pa = m->base + ((uint64_t)bus << ECAM_BUS_SHIFT);
		uint8_t bit = (uint8_t)(1 << bus % 8);

		if (m->segment || bus < m->bus_start || bus > m->bus_end)
			continue;
		if (!(ecam_mapped[i][bus / 8] & bit)) {
			if (!kern_mm_map_device(pa, 1u << ECAM_BUS_SHIFT))
				return NULL;
			ecam_mapped[i][bus / 8] |= bit;
		}
		return (volatile uint8_t *)pa;
	}
	return NULL;
}

static volatile uint8_t *ecam_addr(uint16_t bdf, unsigned off)
{
	volatile uint8_t *bus = ecam_bus(bdf >> 8);

	if (!bus || off >= ECAM_CFG_SIZE)
		return NULL;
	return bus + ((uint32_t)(bdf & 0xff) << 12) + off;
}

static uint32_t ecam_read(void *ctx, uint16_t bdf, unsigned off, unsigned width)
{
	volatile uint8_t *p = ecam_addr(bdf, off);

	if (!p)
		return port_read(ctx, bdf, off, width);
	if (width == 1)
		return *p;
	if (width == 2)
		return *(volatile uint16_t *)p;
	return *(volatile uint32_t *)p;
}

static void ecam_write(void *ctx, uint16_t bdf, unsigned off, unsigned width,
		       uint32_t v)
{
	volatile uint8_t *p = ecam_addr(bdf, off);

	if (!p)
		port_write(ctx, bdf, off, width, v);
	else if (width == 1)
		*p = (uint8_t)v;
	else if (width == 2)
		*(volatile uint16_t *)p = (uint16_t)v;
	else
		*(volatile uint32_t *)p = v;
}

static const struct drv_pci_cfg ecam_cfg = { ecam_read, ecam_write, NULL };

/* ECAM when MCFG describes segment 0, else the ports; logs the choice. */
static const struct drv_pci_cfg *choose_cfg(void)
{
	for (int i = 0; i < kern_acpi.nmcfg && i < KERN_ACPI_MAX_MCFG; i++) {
		const struct kern_acpi_mcfg *m = &kern_acpi.mcfg[i];

		if (m->segment)
			continue;
		kern_info("pci: configuration through ECAM at 0x%lx, buses "
			  "%u-%u",
			  (unsigned long)m->base, m->bus_start, m->bus_end);
		return &ecam_cfg;
	}
	kern_info("pci: configuration through ports 0xcf8/0xcfc");
	return &port_cfg;
}

int drv_pci_register(const struct drv_pci_driver *drv)
{
	if (!drv || !drv->name || !drv->probe)
		return -EINVAL;
	if (pci_started)
		return -EBUSY;
	if (pci_ndrivers == MAX_DRIVERS)
		return -ENOSPC;
	pci_drivers[pci_ndrivers++] = drv;
	return 0;
}

int drv_pci_count(void)
{
	return pci_ndevs;
}

struct drv_pci_dev *drv_pci_get(int i)
{
	return i >= 0 && i < pci_ndevs ? &pci_devs[i] : NULL;
}

int drv_pci_msix_setup(struct drv_pci_dev *dev)
{
	return drv_pci_msix_map(dev, kern_mm_map_device);
}

/* QEMU's chipsets, found by their host bridge at 00:00.0. */
#define I440FX_HOST 0x1237
#define Q35_HOST 0x29c0
#define PIIX3_PIRQ_ROUTE 0x60 /* in 00:01.0: PIRQA-D -> ISA IRQ, bit 7 off */
#define ICH9_PIRQ_GSI 16      /* APIC mode: PIRQA-H are GSIs 16-23 */

int drv_pci_intx_route(const struct drv_pci_dev *dev, uint32_t *gsi, int *level,
		       int *active_low)
{
	const struct drv_pci_dev *host = drv_pci_get(0);
	unsigned pin = dev->irq_pin - 1u, pirq;
	uint8_t route;

	if (!dev->irq_pin || dev->irq_pin > 4 || dev->bus != 0 || !host ||
	    host->bus || host->dev || host->vendor != 0x8086)
		return -ENOENT;
	*level = 1;
	if (host->device == Q35_HOST) {
		/* ICH9 as QEMU sets it up: slot s, pin p -> PIRQ (s + p) % 4
		 * + 4, for the slots below the chipset's own (25-31). */
		if (dev->dev >= 25)
			return -ENOENT;
		*gsi = ICH9_PIRQ_GSI + (dev->dev + pin) % 4 + 4;
		*active_low = 1;
		return 0;
	}
	if (host->device != I440FX_HOST)
		return -ENOENT;
	/* PIIX3: slot s, pin p -> PIRQ (s - 1 + p) % 4, routed to an ISA
	 * IRQ by the PIRQ route registers the firmware programmed. */
	pirq = (dev->dev + 3u + pin) % 4;
	route = (uint8_t)dev->cfg->read(dev->cfg->ctx, DRV_PCI_BDF(0, 1, 0),
					PIIX3_PIRQ_ROUTE + pirq, 1);
	if (route & 0x80 || route > 15)
		return -ENOENT;
	*gsi = route; /* ISA IRQ: the caller applies the MADT's overrides */
	*active_low = -1;
	return 0;
}

struct known {
	uint16_t vendor, device;
	const char *name;
};

static const struct known known_ids[] = {
	{ 0x1af4, 0x1000, "virtio-net" },     { 0x1af4, 0x1001, "virtio-blk" },
	{ 0x1af4, 0x1003, "virtio-console" }, { 0x1af4, 0x1005, "virtio-rng" },
	{ 0x1af4, 0x1041, "virtio-net" },     { 0x1af4, 0x1042, "virtio-blk" },
	{ 0x1af4, 0x1043, "virtio-console" }, { 0x1af4, 0x1044, "virtio-rng" },
	{ 0x8086, 0x1237, "i440FX host" },    { 0x8086, 0x7000, "PIIX3 ISA" },
	{ 0x8086, 0x7010, "PIIX3 IDE" },      { 0x8086, 0x7113, "PIIX4 ACPI" },
	{ 0x8086, 0x29c0, "Q35 host" },	      { 0x8086, 0x2918, "ICH9 LPC" },
	{ 0x8086, 0x2922, "ICH9 AHCI" },      { 0x8086, 0x2930, "ICH9 SMBus" },
};

struct known_class {
	uint8_t base, sub;
	const char *name;
};

static const struct known_class known_classes[] = {
	{ 0x01, 0x00, "SCSI" },	      { 0x01, 0x01, "IDE" },
	{ 0x01, 0x06, "SATA" },	      { 0x02, 0x00, "ethernet" },
	{ 0x03, 0x00, "VGA" },	      { 0x06, 0x00, "host bridge" },
	{ 0x06, 0x01, "ISA bridge" }, { 0x06, 0x04, "PCI bridge" },
	{ 0x0c, 0x03, "USB" },	      { 0x0c, 0x05, "SMBus" },
};

/* A short name for the boot listing, "" when none is known. */
static const char *known_name(const struct drv_pci_dev *d)
{
	size_t i;

	for (i = 0; i < sizeof(known_ids) / sizeof(known_ids[0]); i++)
		if (known_ids[i].vendor == d->vendor &&
		    known_ids[i].device == d->device)
			return known_ids[i].name;
	for (i = 0; i < sizeof(known_classes) / sizeof(known_classes[0]); i++)
		if (known_classes[i].base == d->class_code >> 16 &&
		    known_classes[i].sub == ((d->class_code >> 8) & 0xff))
			return known_classes[i].name;
	return "";
}

/* Append to buf (size len, holding a string) printf-style. */
static void append(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void append(char *buf, size_t len, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* "/4K", "/16M", "/32" (bytes): a BAR size for the listing. */
static void append_size(char *buf, size_t len, uint64_t size)
{
	static const char unit[] = " KMGTP";
	int u = 0;

	while (u < 5 && size >= 1024 && size % 1024 == 0) {
		size /= 1024;
		u++;
	}
	append(buf, len, "/%lu", (unsigned long)size);
	if (u)
		append(buf, len, "%c", unit[u]);
}

static void append_bars(char *buf, size_t len, const struct drv_pci_dev *d)
{
	static const char *const type[] = { "", "io", "mem", "mem64" };

	for (int i = 0; i < DRV_PCI_NBARS; i++) {
		const struct drv_pci_bar *b = &d->bar[i];

		if (b->type == DRV_PCI_BAR_NONE)
			continue;
		append(buf, len, " BAR%d %s%s 0x%lx", i, type[b->type],
		       b->prefetchable ? "-pf" : "", (unsigned long)b->base);
		append_size(buf, len, b->size);
	}
}

/* The boot listing line of d, with the outcome of the driver search. */
static void log_function(const struct drv_pci_dev *d, int err)
{
	char buf[240] = "";

	append(buf, sizeof(buf), "pci %02x:%02x.%x %04x:%04x class %06x",
	       d->bus, d->dev, d->fn, d->vendor, d->device, d->class_code);
	if (*known_name(d))
		append(buf, sizeof(buf), " %s", known_name(d));
	if (d->header_type == 1)
		append(buf, sizeof(buf), " bus %u", d->secondary_bus);
	append_bars(buf, sizeof(buf), d);
	if (d->msix.cap)
		append(buf, sizeof(buf), " msix %u", d->msix.size);
	if (d->ncaps < 0)
		append(buf, sizeof(buf), " caps-loop");
	if (d->irq_pin)
		append(buf, sizeof(buf), " int%c/%u", 'A' + d->irq_pin - 1,
		       d->irq_line);
	if (d->driver)
		append(buf, sizeof(buf), ": %s", d->driver->name);
	else if (err)
		append(buf, sizeof(buf), ": unclaimed (probe error %d)", err);
	else
		append(buf, sizeof(buf), ": unclaimed");
	kern_info("%s", buf);
}

/* pci.dump: the 256-byte configuration space, 32 bytes a line, then the
 * BAR sizing read-backs, for tools/capture-pci; at any log level. */
static void dump_function(const struct drv_pci_dev *d)
{
	unsigned nbars = d->header_type == 0 ? 6 : d->header_type == 1 ? 2 : 0;

	for (unsigned off = 0; off < CFG_SIZE; off += DUMP_CHUNK) {
		char hex[2 * DUMP_CHUNK + 1];

		for (unsigned i = 0; i < DUMP_CHUNK; i += 4) {
			uint32_t v = drv_pci_read32(d, off + i);

			for (unsigned b = 0; b < 4; b++)
				snprintf(hex + 2 * (i + b), 3, "%02x",
					 (v >> (8 * b)) & 0xff);
		}
		kern_log(KERN_LOG_QUIET, "pci-dump %02x:%02x.%x %02x %s",
			 d->bus, d->dev, d->fn, off, hex);
	}
	for (unsigned i = 0; i < nbars; i++)
		kern_log(KERN_LOG_QUIET, "pci-dump-bar %02x:%02x.%x %u %08x",
			 d->bus, d->dev, d->fn, i, d->bar_readback[i]);
}

/* Place the BARs the firmware left unset (qboot sets none) in the usual
 * PCI holes: ports from 0xc000, memory from 0xc0000000 up to the I/O
 * APIC. RAM below 4 GiB ends by 0xc0000000 on pc and by 0x80000000 on
 * q35, whose ECAM window is 0xb0000000-0xbfffffff. */
static void assign_bars(const struct drv_pci_cfg *cfg)
{
	static const struct drv_pci_window io = { 0xc000, 0x10000 };
	static const struct drv_pci_window mem = { 0xc0000000, 0xfec00000 };
	int r = drv_pci_assign(cfg, pci_devs, pci_ndevs, &io, &mem);

	if (r < 0)
		kern_info("pci: some BARs did not fit in the PCI holes (%d)",
			  r);
	else if (r > 0)
		kern_info("pci: assigned %d BARs the firmware left unset", r);
}

void drv_pci_init(struct kern_cmdline *cl)
{
	int dump = kern_cmdline_take(cl, "pci.dump") != NULL;
	const struct drv_pci_cfg *cfg;
	int n, claimed = 0, err;

	pci_started = 1;
	cfg = choose_cfg();
	if ((uint16_t)cfg->read(cfg->ctx, 0, DRV_PCI_VENDOR, 2) == 0xffff) {
		kern_info("pci: no host bridge");
		return;
	}
	n = drv_pci_scan(cfg, pci_devs, MAX_DEVS);
	if (n > MAX_DEVS)
		kern_info("pci: %d functions; only the first %d are used", n,
			  MAX_DEVS);
	pci_ndevs = n > MAX_DEVS ? MAX_DEVS : n;
	for (int i = 0; dump && i < pci_ndevs; i++)
		dump_function(&pci_devs[i]);
	assign_bars(cfg);
	for (int i = 0; i < pci_ndevs; i++) {
		claimed += !!drv_pci_attach(pci_drivers, pci_ndrivers,
					    &pci_devs[i], &err);
		log_function(&pci_devs[i], err);
	}
	kern_info("pci: %d functions, %d claimed", pci_ndevs, claimed);
}
