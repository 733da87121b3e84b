/* Private to drivers/virtio: the checks virtio-pci makes of what a device
 * says about itself before trusting it (virtio 1.x section 4.1.4): where
 * its structures lie (vendor capabilities against its BARs) and where a
 * queue's notification goes. Pure code over drv/pci.h's configuration
 * access, unit-tested on the host with simulated devices. */
#ifndef VIRTIO_PCI_CAPS_H
#define VIRTIO_PCI_CAPS_H

#include <stddef.h>
#include <stdint.h>

#include <drv/pci.h>

/* The structures, indexed as their cfg_type less one. */
enum vpci_struct {
	VPCI_COMMON,
	VPCI_NOTIFY,
	VPCI_ISR,
	VPCI_DEVICE,
	VPCI_N
};

#define VPCI_COMMON_LEN 56  /* the 1.0 common configuration (4.1.4.3) */
#define VPCI_NOTIFY_WIDTH 2 /* a notification is a 16-bit write */

/* Where one structure lies: len bytes at off in BAR bar. */
struct vpci_region {
	uint8_t bar;
	uint32_t off, len;
};

struct vpci_caps {
	struct vpci_region at[VPCI_N];
	unsigned found;	     /* bit i: at[i] is set */
	uint32_t notify_mul; /* notify_off_multiplier */
};

/* Read p's vendor capabilities (p->cap[] and p->bar[] decoded, its
 * configuration space reachable) into *c, taking the first usable
 * capability of each structure type. A capability naming a reserved BAR
 * number (above 5) or an I/O BAR is skipped (4.1.4: ignored; libos maps
 * memory BARs only). One naming a BAR the function lacks, reaching past
 * its BAR (overflow included), shorter than its own header (16 bytes,
 * 20 for notify) or describing a structure too short to use (common
 * configuration under VPCI_COMMON_LEN, notify under 2 bytes, ISR under
 * 1) is malformed. Returns 0 when all four structures were found,
 * -ENODEV when one is missing (no modern interface), -EINVAL when a
 * capability is malformed; both with a reason in why (the first
 * malformed one's). The structures found usable are in *c either way
 * (bit i of found: at[i] is set). */
int vpci_caps_find(const struct drv_pci_dev *p, struct vpci_caps *c, char *why,
		   size_t whylen);

/* The offset in the notify structure of a queue's notification address,
 * queue_notify_off * notify_off_multiplier (4.1.4.4), computed without
 * overflow; 0 and *out, or -ERANGE when the 2-byte write there would not
 * lie inside the structure's len bytes. */
int vpci_notify_offset(uint16_t queue_off, uint32_t mul, uint32_t len,
		       uint32_t *out);

#endif
