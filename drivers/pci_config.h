/* PCI configuration-space decoding as pure code, private to the drivers
 * layer: every function reaches the hardware only through a struct
 * drv_pci_cfg, so the unit tests run them against configuration spaces
 * recorded from QEMU (test/fixtures/pci). drivers/pci.c supplies the real
 * access methods and the boot-time glue. */
#ifndef DRV_PCI_CONFIG_H
#define DRV_PCI_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <drv/pci.h>

#define DRV_PCI_CAP_HOPS 48 /* at most (256 - 64) / 4 capabilities */

/* Size the BARs of function bdf: nbars slots from BAR0 (6 for a type 0
 * header, 2 for a bridge). Decoding is off in COMMAND while each BAR
 * reads back the all-ones pattern; every BAR and COMMAND are restored.
 * A 64-bit BAR fills bar[i] and leaves bar[i + 1] DRV_PCI_BAR_NONE (its
 * upper half); one in the last slot is ignored. readback[i] (may be NULL)
 * receives each raw sizing read, 0 for slots not sized. */
void drv_pci_bars_decode(const struct drv_pci_cfg *cfg, uint16_t bdf,
			 unsigned nbars, struct drv_pci_bar *bar,
			 uint32_t *readback);

/* Walk function bdf's capability list (when STATUS says it has one) into
 * cap[0..max-1]. Pointers have their low two bits cleared; one below 0x40
 * ends the list. Returns the number found (at most max are stored), or
 * -ELOOP when the list has not ended after DRV_PCI_CAP_HOPS entries. */
int drv_pci_caps_walk(const struct drv_pci_cfg *cfg, uint16_t bdf,
		      struct drv_pci_cap *cap, int max);

/* Decode the MSI-X capability at offset off of function bdf into *m
 * (table and pba pointers NULL). Returns 0, or -EINVAL when a BIR names
 * no BAR (above 5). */
int drv_pci_msix_parse(const struct drv_pci_cfg *cfg, uint16_t bdf,
		       unsigned off, struct drv_pci_msix *m);

/* Fill *dev from function bdf's configuration space: ids, class, header,
 * BARs (sized), capabilities and MSI-X. dev->cfg is set to cfg and the
 * driver fields cleared. Returns 0, or -ENODEV when no function answers
 * (vendor id 0xffff). */
int drv_pci_decode(const struct drv_pci_cfg *cfg, uint16_t bdf,
		   struct drv_pci_dev *dev);

/* Enumerate from bus 0: every device's function 0, functions 1-7 of
 * multi-function devices, and the buses behind PCI-PCI bridges (by the
 * secondary bus numbers the firmware assigned; one not above the bridge's
 * own bus is ignored, so bad numbering cannot loop). Buses are scanned in
 * ascending order, each once. Decodes the first max functions into dev[]
 * in that order and returns how many functions there were (more than max:
 * the rest were not stored). */
int drv_pci_scan(const struct drv_pci_cfg *cfg, struct drv_pci_dev *dev,
		 int max);

/* How well drv matches dev: 3 exact vendor and device, 2 exact vendor and
 * any device, 1 any vendor and exact device, 0 both wildcards; -1 when
 * it does not match. */
int drv_pci_match(const struct drv_pci_driver *drv,
		  const struct drv_pci_dev *dev);

/* Offer dev to the matching drivers among drv[0..n-1], best match first
 * and in array order among equals, until a probe returns 0. Sets and
 * returns dev->driver, NULL when nobody claimed it; *err (may be NULL)
 * gets the last probe's error, 0 if no driver matched. */
const struct drv_pci_driver *
drv_pci_attach(const struct drv_pci_driver *const *drv, int n,
	       struct drv_pci_dev *dev, int *err);

/* Find dev's MSI-X table and pending-bit array inside their BARs, map
 * them with map (physical address and length to a pointer, NULL on
 * failure) and mask every entry. Returns the number of entries, or as
 * drv_pci_msix_setup(). */
int drv_pci_msix_map(struct drv_pci_dev *dev,
		     void *(*map)(uint64_t pa, size_t size));

/* An address range BARs may be placed in: [base, limit). */
struct drv_pci_window {
	uint64_t base, limit;
};

/* Give an address to every BAR of the bus-0 functions among dev[0..n-1]
 * that the firmware left at 0 (qboot assigns none): I/O BARs inside io,
 * memory BARs (64-bit ones too) inside mem, each naturally aligned,
 * largest first, above every BAR already in the window. The registers are
 * written with decoding off in COMMAND (then restored) and dev->bar[]
 * updated. Functions behind bridges are left alone (their bridge's windows
 * would need programming too). Returns the number of BARs placed, or
 * -ENOSPC when one did not fit (it stays at 0; the rest are placed). */
int drv_pci_assign(const struct drv_pci_cfg *cfg, struct drv_pci_dev *dev,
		   int n, const struct drv_pci_window *io,
		   const struct drv_pci_window *mem);

/* The smallest power of two that is a set bit of mask (the size a BAR's
 * writable bits imply), 0 for 0. */
uint64_t drv_pci_bar_size(uint64_t mask);

#endif
