/* The PCI bus as drivers see it: the functions found at boot with their
 * decoded BARs and capabilities, configuration-space access, driver
 * registration and matching, and MSI-X table programming.
 *
 * drv_pci_init() enumerates the bus once, at boot, through ECAM when the
 * ACPI MCFG table describes it and configuration mechanism #1 (ports 0xcf8
 * and 0xcfc) otherwise. The kernel runs one core and PCI code never runs in
 * interrupt context, so no function here takes a lock. */
#ifndef DRV_PCI_H
#define DRV_PCI_H

#include <stddef.h>
#include <stdint.h>

struct kern_cmdline;

/* Configuration-space registers (type 0 and type 1 headers). */
#define DRV_PCI_VENDOR 0x00
#define DRV_PCI_DEVICE 0x02
#define DRV_PCI_COMMAND 0x04
#define DRV_PCI_STATUS 0x06
#define DRV_PCI_REVISION 0x08
#define DRV_PCI_CLASS 0x09 /* 3 bytes: prog-if, subclass, base class */
#define DRV_PCI_HEADER_TYPE 0x0e
#define DRV_PCI_BAR0 0x10
#define DRV_PCI_SECONDARY_BUS 0x19 /* type 1 (PCI-PCI bridge) */
#define DRV_PCI_SUBSYS_VENDOR 0x2c /* type 0 */
#define DRV_PCI_SUBSYS_ID 0x2e
#define DRV_PCI_CAP_PTR 0x34
#define DRV_PCI_INTERRUPT_LINE 0x3c
#define DRV_PCI_INTERRUPT_PIN 0x3d

#define DRV_PCI_COMMAND_IO 0x0001
#define DRV_PCI_COMMAND_MEMORY 0x0002
#define DRV_PCI_COMMAND_MASTER 0x0004
#define DRV_PCI_COMMAND_INTX_OFF 0x0400
#define DRV_PCI_STATUS_CAPS 0x0010
#define DRV_PCI_HEADER_MULTI 0x80

/* Capability ids. */
#define DRV_PCI_CAP_MSI 0x05
#define DRV_PCI_CAP_VENDOR 0x09 /* virtio-pci puts its structures here */
#define DRV_PCI_CAP_PCIE 0x10
#define DRV_PCI_CAP_MSIX 0x11

#define DRV_PCI_NBARS 6
#define DRV_PCI_MAX_CAPS 16
#define DRV_PCI_ANY 0xffff /* wildcard vendor or device in a driver */

/* A bus/device/function address packed as bus << 8 | dev << 3 | fn. */
#define DRV_PCI_BDF(bus, dev, fn) ((uint16_t)((bus) << 8 | (dev) << 3 | (fn)))

/* How configuration space is reached: read returns width bytes (1, 2 or 4,
 * naturally aligned at off) of function bdf's space, all ones when the
 * function does not exist; write stores width bytes. The boot code uses
 * the port or ECAM mechanism, unit tests a recorded dump. */
struct drv_pci_cfg {
	uint32_t (*read)(void *ctx, uint16_t bdf, unsigned off, unsigned width);
	void (*write)(void *ctx, uint16_t bdf, unsigned off, unsigned width,
		      uint32_t v);
	void *ctx;
};

enum drv_pci_bar_type {
	DRV_PCI_BAR_NONE, /* unimplemented, or the upper half of a mem64 */
	DRV_PCI_BAR_IO,
	DRV_PCI_BAR_MEM32, /* also the legacy "below 1 MiB" type */
	DRV_PCI_BAR_MEM64
};

/* A base address register as the firmware left it. base is the bus
 * address (identity-mapped on x86: the physical address or the port);
 * size is a power of two, 0 when type is DRV_PCI_BAR_NONE. */
struct drv_pci_bar {
	enum drv_pci_bar_type type;
	int prefetchable;
	uint64_t base;
	uint64_t size;
};

struct drv_pci_cap {
	uint8_t id;
	uint8_t offset; /* of the capability header in configuration space */
};

/* The MSI-X capability. The table holds size entries of 16 bytes (message
 * address low, high, data, vector control); the pending-bit array one bit
 * per entry. table and pba are NULL until drv_pci_msix_setup(). */
struct drv_pci_msix {
	uint8_t cap;	       /* capability offset, 0: no MSI-X */
	uint16_t size;	       /* entries: table-size field + 1 */
	uint8_t table_bar;     /* BAR index (BIR) holding the table */
	uint32_t table_offset; /* within that BAR, 8-byte aligned */
	uint8_t pba_bar;
	uint32_t pba_offset;
	volatile uint32_t *table;
	volatile uint64_t *pba;
};

struct drv_pci_driver;

/* One PCI function. Fields a header type lacks are 0: subsys_vendor and
 * subsys_id exist in type 0 headers, secondary_bus in type 1 (PCI-PCI
 * bridge) headers. irq_line is the legacy interrupt the firmware routed
 * (0xff: unknown); irq_pin 0 means none, 1-4 INTA#-INTD#. bar_readback
 * holds the raw all-ones sizing reads (for pci.dump). ncaps is -ELOOP when
 * the capability list did not end; cap[] is then unused. */
struct drv_pci_dev {
	uint8_t bus, dev, fn;
	uint16_t vendor, device;
	uint32_t class_code; /* base class << 16 | subclass << 8 | prog-if */
	uint8_t revision;
	uint8_t header_type; /* without the multi-function bit */
	int multifunction;
	uint16_t subsys_vendor, subsys_id;
	uint8_t secondary_bus;
	struct drv_pci_bar bar[DRV_PCI_NBARS];
	uint32_t bar_readback[DRV_PCI_NBARS];
	uint8_t irq_pin, irq_line;
	struct drv_pci_cap cap[DRV_PCI_MAX_CAPS];
	int ncaps;
	struct drv_pci_msix msix;
	const struct drv_pci_cfg *cfg;	     /* how to reach its config space */
	const struct drv_pci_driver *driver; /* the claimer, or NULL */
	void *driver_data;		     /* the claimer's own */
};

/* A driver: probe is offered each function whose ids match, best match
 * first (see drv_pci_register). It returns 0 when it claimed the function
 * (the device is then its own: no other driver sees it) or a negative
 * errno when it declines or failed, after undoing what it did. */
struct drv_pci_driver {
	const char *name;
	uint16_t vendor; /* DRV_PCI_ANY: any vendor */
	uint16_t device; /* DRV_PCI_ANY: any device of that vendor */
	int (*probe)(struct drv_pci_dev *dev);
};

/* Configuration reads of the given width at off (naturally aligned, below
 * 256; up to 4096 when the bus is reached through ECAM). A function that
 * vanished reads as all ones. */
uint8_t drv_pci_read8(const struct drv_pci_dev *dev, unsigned off);
uint16_t drv_pci_read16(const struct drv_pci_dev *dev, unsigned off);
uint32_t drv_pci_read32(const struct drv_pci_dev *dev, unsigned off);

/* Configuration writes of the given width at off (as for the reads). */
void drv_pci_write8(const struct drv_pci_dev *dev, unsigned off, uint8_t v);
void drv_pci_write16(const struct drv_pci_dev *dev, unsigned off, uint16_t v);
void drv_pci_write32(const struct drv_pci_dev *dev, unsigned off, uint32_t v);

/* Register drv to be offered PCI functions. Must be called before
 * drv_pci_init(); drv must stay valid for good. For each function the
 * drivers matching it are tried in this order until one claims it: exact
 * vendor and device first, then a vendor with DRV_PCI_ANY device, then
 * DRV_PCI_ANY vendor; registration order breaks ties. Returns 0, -ENOSPC
 * when the table (16 drivers) is full, -EBUSY after drv_pci_init(),
 * -EINVAL for a driver without a name or probe. */
int drv_pci_register(const struct drv_pci_driver *drv);

/* Enumerate the PCI bus at boot: find every function on bus 0 and behind
 * PCI-PCI bridges (by the secondary bus numbers the firmware assigned),
 * decode it, give the BARs the firmware left unset (qboot sets none) an
 * address in the PCI holes (ports from 0xc000, memory from 0xc0000000),
 * offer each function to the registered drivers and log one line per
 * function: ids, class, BARs, MSI-X entries, interrupt pin/line and the
 * driver that claimed it or "unclaimed". Kernel option pci.dump also
 * logs, at any log level and before the BARs are assigned, each
 * function's configuration space and BAR sizing read-backs (lines
 * "pci-dump BB:DD.F OFF HEX32BYTES" and "pci-dump-bar BB:DD.F I HEX", read
 * by tools/capture-pci). Logs "pci: no host bridge" and returns when
 * there is no PCI (no function at 00:00.0), as on microvm. Call once,
 * after the memory manager and ACPI (for the MCFG table). */
void drv_pci_init(struct kern_cmdline *cl);

/* The number of functions drv_pci_init() found, and the i-th of them
 * (NULL when i is out of range), in bus order. */
int drv_pci_count(void);
struct drv_pci_dev *drv_pci_get(int i);

/* Offset of dev's first capability with id, searching from the one after
 * offset after (0: from the start); 0 when there is none. */
unsigned drv_pci_find_cap(const struct drv_pci_dev *dev, uint8_t id,
			  unsigned after);

/* Where dev's INTx interrupt really arrives, from the chipset's routing
 * as QEMU sets it up (the interrupt-line register the firmware wrote is
 * not always right: qboot's swizzle differs from QEMU's PIIX3): on q35
 * (ICH9 in APIC mode) a GSI from 16 up, level, active low; on pc
 * (PIIX3) an ISA IRQ from the PIRQ route registers, level, *active_low
 * set to -1 meaning "an ISA IRQ: apply the MADT's overrides". Only for
 * functions on bus 0. 0, or -ENOENT when the route is not known. */
int drv_pci_intx_route(const struct drv_pci_dev *dev, uint32_t *gsi, int *level,
		       int *active_low);

/* Turn on dev's decoding of the BAR types it has (memory and I/O space)
 * and bus mastering (DMA, and MSI/MSI-X messages). Returns 0. */
int drv_pci_enable(struct drv_pci_dev *dev);

/* Map dev's MSI-X table and pending-bit array (uncached, through the
 * memory manager) and mask every entry; MSI-X itself stays as it was
 * (disabled after reset). Call after drv_pci_enable(). Returns the number
 * of entries, -ENODEV without an MSI-X capability, -EINVAL when the table
 * does not lie inside a memory BAR, -ENOMEM when it cannot be mapped. */
int drv_pci_msix_setup(struct drv_pci_dev *dev);

/* Program MSI-X table entry entry with the message address addr and data
 * (from the kernel's interrupt code) and set its mask bit to masked. The
 * entry is masked while it changes. Returns 0, -ENODEV before
 * drv_pci_msix_setup(), -EINVAL when entry >= dev->msix.size. */
int drv_pci_msix_set_vector(struct drv_pci_dev *dev, unsigned entry,
			    uint64_t addr, uint32_t data, int masked);

/* Set or clear the mask bit of one MSI-X entry alone. Returns as
 * drv_pci_msix_set_vector(). */
int drv_pci_msix_mask(struct drv_pci_dev *dev, unsigned entry, int masked);

/* Set MSI-X Enable in the message control register (the function then
 * signals through the table instead of INTx). Returns 0, or -ENODEV
 * without an MSI-X capability. */
int drv_pci_msix_enable(struct drv_pci_dev *dev, int enable);

/* Set or clear the MSI-X Function Mask bit: masked, no entry of the
 * function sends a message (they stay pending). Returns as
 * drv_pci_msix_enable(). */
int drv_pci_msix_function_mask(struct drv_pci_dev *dev, int masked);

#endif
