/* PCI BAR assignment for firmware that leaves BARs unset (qboot): a bump
 * allocator per address space, placing the largest BARs first so that
 * natural alignment wastes little. Pure code, like pci_config.c: it
 * reaches configuration space only through a struct drv_pci_cfg. */
#include <errno.h>

#include <drv/pci.h>

#include "pci_config.h"

#define BAR_IO_FLAGS 0x3
#define BAR_MEM_FLAGS 0xf

static int is_io(const struct drv_pci_bar *b)
{
	return b->type == DRV_PCI_BAR_IO;
}

/* Where placing may start in w: above every BAR of that space in it. */
static uint64_t window_start(const struct drv_pci_dev *dev, int n, int io,
			     const struct drv_pci_window *w)
{
	uint64_t next = w->base;

	for (int i = 0; i < n; i++)
		for (int j = 0; j < DRV_PCI_NBARS; j++) {
			const struct drv_pci_bar *b = &dev[i].bar[j];
			uint64_t end = b->base + b->size;

			if (b->type == DRV_PCI_BAR_NONE || is_io(b) != io ||
			    !b->base || b->base >= w->limit || end <= w->base)
				continue;
			if (end > next)
				next = end;
		}
	return next;
}

/* Program BAR i of dev at base, keeping its flag bits. */
static void bar_write(const struct drv_pci_cfg *cfg, struct drv_pci_dev *dev,
		      int i, uint64_t base)
{
	uint16_t bdf = DRV_PCI_BDF(dev->bus, dev->dev, dev->fn);
	unsigned off = DRV_PCI_BAR0 + 4 * i;
	uint16_t cmd = (uint16_t)cfg->read(cfg->ctx, bdf, DRV_PCI_COMMAND, 2);
	uint16_t decode = DRV_PCI_COMMAND_IO | DRV_PCI_COMMAND_MEMORY;
	uint32_t flags = cfg->read(cfg->ctx, bdf, off, 4) &
			 (is_io(&dev->bar[i]) ? BAR_IO_FLAGS : BAR_MEM_FLAGS);

	if (cmd & decode)
		cfg->write(cfg->ctx, bdf, DRV_PCI_COMMAND, 2, cmd & ~decode);
	cfg->write(cfg->ctx, bdf, off, 4, flags | (uint32_t)base);
	if (dev->bar[i].type == DRV_PCI_BAR_MEM64)
		cfg->write(cfg->ctx, bdf, off + 4, 4, (uint32_t)(base >> 32));
	if (cmd & decode)
		cfg->write(cfg->ctx, bdf, DRV_PCI_COMMAND, 2, cmd);
	dev->bar[i].base = base;
}

/* Place the unset BARs of one space and one size; returns how many were
 * placed, or -ENOSPC after placing the others. */
static int place_size(const struct drv_pci_cfg *cfg, struct drv_pci_dev *dev,
		      int n, int io, uint64_t size, uint64_t *next,
		      uint64_t limit)
{
	int placed = 0, full = 0;

	for (int i = 0; i < n; i++)
		for (int j = 0; j < DRV_PCI_NBARS; j++) {
			struct drv_pci_bar *b = &dev[i].bar[j];
			uint64_t base = (*next + size - 1) & ~(size - 1);

			if (b->type == DRV_PCI_BAR_NONE || is_io(b) != io ||
			    b->base || b->size != size || dev[i].bus)
				continue;
			if (base < *next || base > limit ||
			    size > limit - base) {
				full = 1;
				continue;
			}
			bar_write(cfg, &dev[i], j, base);
			*next = base + size;
			placed++;
		}
	return full ? -ENOSPC : placed;
}

/* Place every unset BAR of one space, largest first. */
static int place_space(const struct drv_pci_cfg *cfg, struct drv_pci_dev *dev,
		       int n, int io, const struct drv_pci_window *w)
{
	uint64_t next = window_start(dev, n, io, w);
	int total = 0, full = 0;

	for (int shift = 63; shift >= 0; shift--) {
		int r = place_size(cfg, dev, n, io, 1ULL << shift, &next,
				   w->limit);

		if (r < 0)
			full = 1;
		else
			total += r;
	}
	return full ? -ENOSPC : total;
}

int drv_pci_assign(const struct drv_pci_cfg *cfg, struct drv_pci_dev *dev,
		   int n, const struct drv_pci_window *io,
		   const struct drv_pci_window *mem)
{
	int r_io = place_space(cfg, dev, n, 1, io);
	int r_mem = place_space(cfg, dev, n, 0, mem);

	if (r_io < 0 || r_mem < 0)
		return -ENOSPC;
	return r_io + r_mem;
}
