/* PCI configuration-space decoding: BAR sizing, the capability list,
 * MSI-X layout and table programming, bus enumeration and driver
 * matching. Pure code: the hardware is reached only through the struct
 * drv_pci_cfg callbacks and the mapping callback it is given, so the unit
 * tests run it on recorded dumps. */
#include <errno.h>
#include <string.h>

#include <drv/pci.h>

#include "pci_config.h"

#define BAR_IO 0x1
#define BAR_MEM_TYPE 0x6
#define BAR_MEM_TYPE_64 0x4
#define BAR_MEM_PREFETCH 0x8
#define BAR_IO_MASK 0xfffffffcu
#define BAR_MEM_MASK 0xfffffff0u

#define MSIX_CONTROL 2
#define MSIX_TABLE 4
#define MSIX_PBA 8
#define MSIX_CONTROL_SIZE 0x07ff
#define MSIX_CONTROL_FMASK 0x4000
#define MSIX_CONTROL_ENABLE 0x8000
#define MSIX_BIR 0x7
#define MSIX_ENTRY_WORDS 4 /* address low, address high, data, control */
#define MSIX_VECTOR_MASKED 0x1

#define CAP_MIN 0x40
#define MAX_BUS 256

static uint32_t cfg_read(const struct drv_pci_cfg *cfg, uint16_t bdf,
			 unsigned off, unsigned width)
{
	return cfg->read(cfg->ctx, bdf, off, width);
}

static void cfg_write(const struct drv_pci_cfg *cfg, uint16_t bdf, unsigned off,
		      unsigned width, uint32_t v)
{
	cfg->write(cfg->ctx, bdf, off, width, v);
}

static uint16_t dev_bdf(const struct drv_pci_dev *dev)
{
	return DRV_PCI_BDF(dev->bus, dev->dev, dev->fn);
}

uint8_t drv_pci_read8(const struct drv_pci_dev *dev, unsigned off)
{
	return (uint8_t)cfg_read(dev->cfg, dev_bdf(dev), off, 1);
}

uint16_t drv_pci_read16(const struct drv_pci_dev *dev, unsigned off)
{
	return (uint16_t)cfg_read(dev->cfg, dev_bdf(dev), off, 2);
}

uint32_t drv_pci_read32(const struct drv_pci_dev *dev, unsigned off)
{
	return cfg_read(dev->cfg, dev_bdf(dev), off, 4);
}

void drv_pci_write8(const struct drv_pci_dev *dev, unsigned off, uint8_t v)
{
	cfg_write(dev->cfg, dev_bdf(dev), off, 1, v);
}

void drv_pci_write16(const struct drv_pci_dev *dev, unsigned off, uint16_t v)
{
	cfg_write(dev->cfg, dev_bdf(dev), off, 2, v);
}

void drv_pci_write32(const struct drv_pci_dev *dev, unsigned off, uint32_t v)
{
	cfg_write(dev->cfg, dev_bdf(dev), off, 4, v);
}

uint64_t drv_pci_bar_size(uint64_t mask)
{
	return mask & (~mask + 1);
}

/* Write all ones to the BAR register at off, return what reads back and
 * put the original value back. */
static uint32_t bar_probe(const struct drv_pci_cfg *cfg, uint16_t bdf,
			  unsigned off, uint32_t orig)
{
	uint32_t rb;

	cfg_write(cfg, bdf, off, 4, 0xffffffffu);
	rb = cfg_read(cfg, bdf, off, 4);
	cfg_write(cfg, bdf, off, 4, orig);
	return rb;
}

/* Size BAR slot i; returns the number of slots it used (2 for mem64). */
static unsigned bar_decode_one(const struct drv_pci_cfg *cfg, uint16_t bdf,
			       unsigned i, unsigned nbars,
			       struct drv_pci_bar *bar, uint32_t *readback)
{
	unsigned off = DRV_PCI_BAR0 + 4 * i;
	uint32_t lo = cfg_read(cfg, bdf, off, 4), hi = 0, rb_hi = 0;
	int is64 = !(lo & BAR_IO) && (lo & BAR_MEM_TYPE) == BAR_MEM_TYPE_64;
	struct drv_pci_bar *b = &bar[i];

	if (is64 && i + 1 >= nbars)
		return 1; /* no slot left for the upper half: ignore it */
	readback[i] = bar_probe(cfg, bdf, off, lo);
	if (is64) {
		hi = cfg_read(cfg, bdf, off + 4, 4);
		rb_hi = bar_probe(cfg, bdf, off + 4, hi);
		readback[i + 1] = rb_hi;
	}
	if (lo & BAR_IO) {
		b->type = DRV_PCI_BAR_IO;
		b->base = lo & BAR_IO_MASK;
		b->size = drv_pci_bar_size(readback[i] & BAR_IO_MASK & 0xffff);
	} else {
		b->type = is64 ? DRV_PCI_BAR_MEM64 : DRV_PCI_BAR_MEM32;
		b->prefetchable = !!(lo & BAR_MEM_PREFETCH);
		b->base = (uint64_t)hi << 32 | (lo & BAR_MEM_MASK);
		b->size = drv_pci_bar_size((uint64_t)rb_hi << 32 |
					   (readback[i] & BAR_MEM_MASK));
	}
	if (!b->size)
		memset(b, 0, sizeof(*b));
	return is64 ? 2 : 1;
}

void drv_pci_bars_decode(const struct drv_pci_cfg *cfg, uint16_t bdf,
			 unsigned nbars, struct drv_pci_bar *bar,
			 uint32_t *readback)
{
	uint32_t scratch[DRV_PCI_NBARS];
	uint16_t cmd = (uint16_t)cfg_read(cfg, bdf, DRV_PCI_COMMAND, 2);
	uint16_t off = DRV_PCI_COMMAND_IO | DRV_PCI_COMMAND_MEMORY;

	if (nbars > DRV_PCI_NBARS)
		nbars = DRV_PCI_NBARS;
	if (!readback)
		readback = scratch;
	memset(bar, 0, nbars * sizeof(*bar));
	memset(readback, 0, nbars * sizeof(*readback));
	if (cmd & off)
		cfg_write(cfg, bdf, DRV_PCI_COMMAND, 2, cmd & ~off);
	for (unsigned i = 0; i < nbars;)
		i += bar_decode_one(cfg, bdf, i, nbars, bar, readback);
	if (cmd & off)
		cfg_write(cfg, bdf, DRV_PCI_COMMAND, 2, cmd);
}

int drv_pci_caps_walk(const struct drv_pci_cfg *cfg, uint16_t bdf,
		      struct drv_pci_cap *cap, int max)
{
	unsigned ptr;
	int n = 0;

	if (!(cfg_read(cfg, bdf, DRV_PCI_STATUS, 2) & DRV_PCI_STATUS_CAPS))
		return 0;
	ptr = cfg_read(cfg, bdf, DRV_PCI_CAP_PTR, 1) & 0xfc;
	for (int hops = 0; ptr >= CAP_MIN; hops++) {
		if (hops == DRV_PCI_CAP_HOPS)
			return -ELOOP;
		if (n < max) {
			cap[n].id = (uint8_t)cfg_read(cfg, bdf, ptr, 1);
			cap[n].offset = (uint8_t)ptr;
		}
		n++;
		ptr = cfg_read(cfg, bdf, ptr + 1, 1) & 0xfc;
	}
	return n < max ? n : max;
}

/* Split an MSI-X table or PBA register into BIR and offset. */
static int msix_locate(uint32_t reg, uint8_t *bir, uint32_t *offset)
{
	*bir = reg & MSIX_BIR;
	*offset = reg & ~(uint32_t)MSIX_BIR;
	return *bir < DRV_PCI_NBARS ? 0 : -EINVAL;
}

int drv_pci_msix_parse(const struct drv_pci_cfg *cfg, uint16_t bdf,
		       unsigned off, struct drv_pci_msix *m)
{
	uint16_t ctrl = (uint16_t)cfg_read(cfg, bdf, off + MSIX_CONTROL, 2);
	int r1, r2;

	memset(m, 0, sizeof(*m));
	m->cap = (uint8_t)off;
	m->size = (ctrl & MSIX_CONTROL_SIZE) + 1;
	r1 = msix_locate(cfg_read(cfg, bdf, off + MSIX_TABLE, 4), &m->table_bar,
			 &m->table_offset);
	r2 = msix_locate(cfg_read(cfg, bdf, off + MSIX_PBA, 4), &m->pba_bar,
			 &m->pba_offset);
	return r1 ? r1 : r2;
}

unsigned drv_pci_find_cap(const struct drv_pci_dev *dev, uint8_t id,
			  unsigned after)
{
	int i = 0;

	if (after)
		while (i < dev->ncaps && dev->cap[i++].offset != after)
			;
	for (; i < dev->ncaps; i++)
		if (dev->cap[i].id == id)
			return dev->cap[i].offset;
	return 0;
}

static void decode_ids(const struct drv_pci_cfg *cfg, uint16_t bdf,
		       struct drv_pci_dev *d)
{
	uint8_t ht = (uint8_t)cfg_read(cfg, bdf, DRV_PCI_HEADER_TYPE, 1);

	d->bus = bdf >> 8;
	d->dev = (bdf >> 3) & 0x1f;
	d->fn = bdf & 7;
	d->vendor = (uint16_t)cfg_read(cfg, bdf, DRV_PCI_VENDOR, 2);
	d->device = (uint16_t)cfg_read(cfg, bdf, DRV_PCI_DEVICE, 2);
	d->revision = (uint8_t)cfg_read(cfg, bdf, DRV_PCI_REVISION, 1);
	d->class_code = cfg_read(cfg, bdf, DRV_PCI_REVISION, 4) >> 8;
	d->header_type = ht & ~DRV_PCI_HEADER_MULTI;
	d->multifunction = !!(ht & DRV_PCI_HEADER_MULTI);
	d->irq_line = (uint8_t)cfg_read(cfg, bdf, DRV_PCI_INTERRUPT_LINE, 1);
	d->irq_pin = (uint8_t)cfg_read(cfg, bdf, DRV_PCI_INTERRUPT_PIN, 1);
	if (d->header_type == 0) {
		d->subsys_vendor =
			(uint16_t)cfg_read(cfg, bdf, DRV_PCI_SUBSYS_VENDOR, 2);
		d->subsys_id =
			(uint16_t)cfg_read(cfg, bdf, DRV_PCI_SUBSYS_ID, 2);
	} else if (d->header_type == 1) {
		d->secondary_bus =
			(uint8_t)cfg_read(cfg, bdf, DRV_PCI_SECONDARY_BUS, 1);
	}
}

static unsigned header_bars(uint8_t header_type)
{
	if (header_type == 0)
		return DRV_PCI_NBARS;
	return header_type == 1 ? 2 : 0;
}

static void decode_caps(const struct drv_pci_cfg *cfg, uint16_t bdf,
			struct drv_pci_dev *d)
{
	unsigned off;

	d->ncaps = drv_pci_caps_walk(cfg, bdf, d->cap, DRV_PCI_MAX_CAPS);
	off = drv_pci_find_cap(d, DRV_PCI_CAP_MSIX, 0);
	if (off && drv_pci_msix_parse(cfg, bdf, off, &d->msix))
		memset(&d->msix, 0, sizeof(d->msix));
}

int drv_pci_decode(const struct drv_pci_cfg *cfg, uint16_t bdf,
		   struct drv_pci_dev *dev)
{
	memset(dev, 0, sizeof(*dev));
	if ((uint16_t)cfg_read(cfg, bdf, DRV_PCI_VENDOR, 2) == 0xffff)
		return -ENODEV;
	dev->cfg = cfg;
	decode_ids(cfg, bdf, dev);
	drv_pci_bars_decode(cfg, bdf, header_bars(dev->header_type), dev->bar,
			    dev->bar_readback);
	decode_caps(cfg, bdf, dev);
	return 0;
}

struct scan {
	const struct drv_pci_cfg *cfg;
	struct drv_pci_dev *dev, spare;
	int max, n;
	uint8_t queued[MAX_BUS / 8]; /* buses found behind a bridge */
};

/* Record function bdf if it exists and queue the bus behind a bridge.
 * Returns the header type byte, or 0xff when there is no function. */
static unsigned scan_function(struct scan *s, uint16_t bdf)
{
	struct drv_pci_dev *d = s->n < s->max ? &s->dev[s->n] : &s->spare;
	unsigned sec = 0, bus = bdf >> 8;

	if (drv_pci_decode(s->cfg, bdf, d))
		return 0xff;
	s->n++;
	if (d->header_type == 1)
		sec = d->secondary_bus;
	if (sec > bus)
		s->queued[sec / 8] |= (uint8_t)(1 << sec % 8);
	return d->header_type | (d->multifunction ? DRV_PCI_HEADER_MULTI : 0);
}

static void scan_bus(struct scan *s, unsigned bus)
{
	for (unsigned dev = 0; dev < 32; dev++) {
		unsigned ht = scan_function(s, DRV_PCI_BDF(bus, dev, 0));

		if (ht == 0xff || !(ht & DRV_PCI_HEADER_MULTI))
			continue;
		for (unsigned fn = 1; fn < 8; fn++)
			scan_function(s, DRV_PCI_BDF(bus, dev, fn));
	}
}

/* Buses are scanned in ascending order; a bridge only ever queues a bus
 * above its own, so one pass reaches every bus and none twice. */
int drv_pci_scan(const struct drv_pci_cfg *cfg, struct drv_pci_dev *dev,
		 int max)
{
	struct scan s = { .cfg = cfg, .dev = dev, .max = max };

	s.queued[0] = 1;
	for (unsigned bus = 0; bus < MAX_BUS; bus++)
		if (s.queued[bus / 8] & (1 << bus % 8))
			scan_bus(&s, bus);
	return s.n;
}

int drv_pci_match(const struct drv_pci_driver *drv,
		  const struct drv_pci_dev *dev)
{
	int v_any = drv->vendor == DRV_PCI_ANY;
	int d_any = drv->device == DRV_PCI_ANY;

	if ((!v_any && drv->vendor != dev->vendor) ||
	    (!d_any && drv->device != dev->device))
		return -1;
	if (!v_any)
		return d_any ? 2 : 3;
	return d_any ? 0 : 1;
}

const struct drv_pci_driver *
drv_pci_attach(const struct drv_pci_driver *const *drv, int n,
	       struct drv_pci_dev *dev, int *err)
{
	int e = 0;

	dev->driver = NULL;
	for (int score = 3; score >= 0; score--) {
		for (int i = 0; i < n; i++) {
			if (drv_pci_match(drv[i], dev) != score)
				continue;
			e = drv[i]->probe(dev);
			if (e == 0) {
				dev->driver = drv[i];
				break;
			}
		}
		if (dev->driver)
			break;
	}
	if (err)
		*err = e;
	return dev->driver;
}

int drv_pci_enable(struct drv_pci_dev *dev)
{
	uint16_t cmd = drv_pci_read16(dev, DRV_PCI_COMMAND);

	for (int i = 0; i < DRV_PCI_NBARS; i++) {
		if (dev->bar[i].type == DRV_PCI_BAR_IO)
			cmd |= DRV_PCI_COMMAND_IO;
		else if (dev->bar[i].type != DRV_PCI_BAR_NONE)
			cmd |= DRV_PCI_COMMAND_MEMORY;
	}
	drv_pci_write16(dev, DRV_PCI_COMMAND, cmd | DRV_PCI_COMMAND_MASTER);
	return 0;
}

/* The physical address of a structure at offset off in memory BAR bir,
 * 0 when len bytes from there do not fit inside it. */
static uint64_t msix_region(const struct drv_pci_dev *dev, unsigned bir,
			    uint32_t off, uint64_t len)
{
	const struct drv_pci_bar *b = &dev->bar[bir];

	if (b->type != DRV_PCI_BAR_MEM32 && b->type != DRV_PCI_BAR_MEM64)
		return 0;
	if (!b->base || off > b->size || len > b->size - off)
		return 0;
	return b->base + off;
}

int drv_pci_msix_map(struct drv_pci_dev *dev,
		     void *(*map)(uint64_t pa, size_t size))
{
	struct drv_pci_msix *m = &dev->msix;
	uint64_t tlen = (uint64_t)m->size * 16, plen = (m->size + 63) / 64 * 8;
	uint64_t table, pba;

	if (!m->cap)
		return -ENODEV;
	table = msix_region(dev, m->table_bar, m->table_offset, tlen);
	pba = msix_region(dev, m->pba_bar, m->pba_offset, plen);
	if (!table || !pba)
		return -EINVAL;
	m->table = map(table, tlen);
	m->pba = map(pba, plen);
	if (!m->table || !m->pba) {
		m->table = NULL;
		m->pba = NULL;
		return -ENOMEM;
	}
	for (unsigned i = 0; i < m->size; i++)
		drv_pci_msix_mask(dev, i, 1);
	return m->size;
}

static volatile uint32_t *msix_entry(struct drv_pci_dev *dev, unsigned entry,
				     int *err)
{
	*err = 0;
	if (!dev->msix.table)
		*err = -ENODEV;
	else if (entry >= dev->msix.size)
		*err = -EINVAL;
	return *err ? NULL : dev->msix.table + entry * MSIX_ENTRY_WORDS;
}

int drv_pci_msix_mask(struct drv_pci_dev *dev, unsigned entry, int masked)
{
	int err;
	volatile uint32_t *e = msix_entry(dev, entry, &err);
	uint32_t ctl;

	if (!e)
		return err;
	ctl = e[3] & ~(uint32_t)MSIX_VECTOR_MASKED;
	e[3] = ctl | (masked ? MSIX_VECTOR_MASKED : 0);
	return 0;
}

int drv_pci_msix_set_vector(struct drv_pci_dev *dev, unsigned entry,
			    uint64_t addr, uint32_t data, int masked)
{
	int err;
	volatile uint32_t *e = msix_entry(dev, entry, &err);

	if (!e)
		return err;
	drv_pci_msix_mask(dev, entry, 1);
	e[0] = (uint32_t)addr;
	e[1] = (uint32_t)(addr >> 32);
	e[2] = data;
	return masked ? 0 : drv_pci_msix_mask(dev, entry, 0);
}

/* Set or clear bit in the MSI-X message control register. */
static int msix_control(struct drv_pci_dev *dev, uint16_t bit, int on)
{
	unsigned off = dev->msix.cap + MSIX_CONTROL;
	uint16_t ctrl;

	if (!dev->msix.cap)
		return -ENODEV;
	ctrl = drv_pci_read16(dev, off) & ~bit;
	drv_pci_write16(dev, off, ctrl | (on ? bit : 0));
	return 0;
}

int drv_pci_msix_enable(struct drv_pci_dev *dev, int enable)
{
	return msix_control(dev, MSIX_CONTROL_ENABLE, enable);
}

int drv_pci_msix_function_mask(struct drv_pci_dev *dev, int masked)
{
	return msix_control(dev, MSIX_CONTROL_FMASK, masked);
}
