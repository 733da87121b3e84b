/* Private to drivers/virtio: the state of one virtio-pci device, shared
 * by the modern (pci.c) and legacy (pci_legacy.c) interfaces. */
#ifndef VIRTIO_PCI_TRANSPORT_H
#define VIRTIO_PCI_TRANSPORT_H

#include <drv/pci.h>
#include <drv/virtio.h>

struct vpci;

struct vpci_irq {
	kern_irq_fn fn;
	void *arg;
	struct vpci *v;
};

struct vpci {
	struct drv_virtio_dev dev;
	struct drv_pci_dev *pci;
	int msix; /* MSI-X usable */
	/* modern */
	volatile struct common_cfg *common;
	volatile uint8_t *notify, *isr, *device;
	uint32_t notify_mul, notify_len; /* checked by pci_caps.c */
	volatile uint16_t *notify_at[DRV_VIRTIO_MAX_QUEUES];
	/* legacy */
	uint16_t io; /* I/O port base (BAR0) */
	/* per queue, then configuration changes: one MSI-X vector each, or
	 * all on the one INTx line */
	struct vpci_irq intx[DRV_VIRTIO_MAX_QUEUES + 1];
	int intx_attached;
};

/* Set v up as a legacy (0.9.5) device through its I/O BAR0: fills in
 * v->dev.ops and transport_name, sets legacy and fixed_queue_size. 0, or
 * -ENODEV when BAR0 is not an I/O BAR. (pci_legacy.c) */
int vpci_legacy_init(struct vpci *v);

/* Run fn(arg) when the shared INTx line fires with the ISR's queue bit
 * (q < DRV_VIRTIO_MAX_QUEUES) or configuration bit (q ==
 * DRV_VIRTIO_CONFIG_IRQ); reading the ISR acknowledges. The line is
 * attached on first use. 0 or -errno. (pci_legacy.c) */
int vpci_intx_attach(struct vpci *v, unsigned q, kern_irq_fn fn, void *arg);

#endif
