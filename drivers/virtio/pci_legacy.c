/* The legacy virtio-pci interface (virtio 1.x section 4.1.4.8, "0.9.5"),
 * through I/O BAR0, for hosts whose devices have no modern capabilities
 * (QEMU's disable-modern=on); and the shared INTx interrupt both
 * interfaces fall back to without MSI-X. Legacy devices here always use
 * INTx, so their configuration starts right after the ISR register. */
#include <errno.h>

#include <arch/cpu.h>
#include <drv/virtio.h>
#include <kern/console.h>

#include "pci_transport.h"

#define L_HOST_FEATURES 0x00
#define L_GUEST_FEATURES 0x04
#define L_QUEUE_PFN 0x08
#define L_QUEUE_SIZE 0x0c
#define L_QUEUE_SELECT 0x0e
#define L_QUEUE_NOTIFY 0x10
#define L_STATUS 0x12
#define L_ISR 0x13
#define L_CONFIG 0x14 /* without MSI-X */
#define ISR_QUEUE 1
#define ISR_CONFIG 2

static uint16_t io(struct drv_virtio_dev *d, unsigned reg)
{
	return (uint16_t)(((struct vpci *)d->transport)->io + reg);
}

static uint8_t get_status(struct drv_virtio_dev *d)
{
	return arch_inb(io(d, L_STATUS));
}

static void set_status(struct drv_virtio_dev *d, uint8_t status)
{
	arch_outb(io(d, L_STATUS), status); /* 0 resets at once */
}

static uint64_t get_features(struct drv_virtio_dev *d)
{
	return arch_inl(io(d, L_HOST_FEATURES));
}

static void set_features(struct drv_virtio_dev *d, uint64_t features)
{
	arch_outl(io(d, L_GUEST_FEATURES), (uint32_t)features);
}

static void read_config(struct drv_virtio_dev *d, unsigned off, void *buf,
			unsigned len)
{
	for (unsigned i = 0; i < len; i++)
		((uint8_t *)buf)[i] = arch_inb(io(d, L_CONFIG + off + i));
}

static uint16_t queue_max(struct drv_virtio_dev *d, unsigned q)
{
	arch_outw(io(d, L_QUEUE_SELECT), (uint16_t)q);
	return arch_inw(io(d, L_QUEUE_SIZE));
}

/* The queue's memory must be one region, the used ring 4 KiB-aligned
 * after the descriptors and available ring: drv_virtq's layout. */
static int queue_enable(struct drv_virtio_dev *d, struct drv_virtq *vq)
{
	arch_outw(io(d, L_QUEUE_SELECT), vq->index);
	arch_outl(io(d, L_QUEUE_PFN),
		  (uint32_t)(drv_virtq_desc_addr(vq) >> 12));
	return 0;
}

static void notify(struct drv_virtio_dev *d, struct drv_virtq *vq)
{
	arch_outw(io(d, L_QUEUE_NOTIFY), vq->index);
}

static int irq_attach(struct drv_virtio_dev *d, unsigned q, kern_irq_fn fn,
		      void *arg)
{
	return vpci_intx_attach(d->transport, q, fn, arg);
}

static const struct drv_virtio_ops legacy_ops = {
	get_status, set_status,	  get_features, set_features, read_config,
	queue_max,  queue_enable, notify,	irq_attach,
};

int vpci_legacy_init(struct vpci *v)
{
	struct drv_pci_bar *bar0 = &v->pci->bar[0];

	if (bar0->type != DRV_PCI_BAR_IO || !bar0->base)
		return -ENODEV;
	v->io = (uint16_t)bar0->base;
	v->msix = 0;
	v->dev.ops = &legacy_ops;
	v->dev.legacy = 1;
	v->dev.fixed_queue_size = 1;
	v->dev.transport_name = "pci-legacy, INTx";
	/* the configuration runs from L_CONFIG to the end of BAR0 */
	v->dev.config_len =
		bar0->size > L_CONFIG ? (uint32_t)(bar0->size - L_CONFIG) : 0;
	return 0;
}

/* The shared line fired: read (and so clear) the ISR, run the handlers
 * its bits call for. */
static void intx_fired(void *arg)
{
	struct vpci *v = arg;
	uint8_t isr = v->isr ? *v->isr : arch_inb((uint16_t)(v->io + L_ISR));

	if (!isr)
		return; /* another device on the line */
	v->dev.stats.interrupts++;
	for (unsigned q = 0; q < DRV_VIRTIO_MAX_QUEUES; q++)
		if ((isr & ISR_QUEUE) && v->intx[q].fn)
			v->intx[q].fn(v->intx[q].arg);
	if ((isr & ISR_CONFIG) && v->intx[DRV_VIRTIO_MAX_QUEUES].fn)
		v->intx[DRV_VIRTIO_MAX_QUEUES].fn(
			v->intx[DRV_VIRTIO_MAX_QUEUES].arg);
}

/* Attach intx_fired to the device's INTx line: the chipset's real route
 * if known, else the interrupt line the firmware wrote. */
static int attach_line(struct vpci *v)
{
	uint32_t gsi;
	int level, active_low;

	if (drv_pci_intx_route(v->pci, &gsi, &level, &active_low) == 0)
		return active_low < 0 ?
			       kern_irq_attach_isa(gsi, intx_fired, v) < 0 :
			       kern_irq_attach_gsi(gsi, level, active_low,
						   intx_fired, v) < 0;
	if (v->pci->irq_pin == 0 || v->pci->irq_line == 0xff)
		return -ENODEV;
	return kern_irq_attach_isa(v->pci->irq_line, intx_fired, v) < 0;
}

int vpci_intx_attach(struct vpci *v, unsigned q, kern_irq_fn fn, void *arg)
{
	unsigned slot = q == DRV_VIRTIO_CONFIG_IRQ ? DRV_VIRTIO_MAX_QUEUES : q;

	if (slot > DRV_VIRTIO_MAX_QUEUES)
		return -EINVAL;
	v->intx[slot] = (struct vpci_irq){ fn, arg, v };
	if (v->intx_attached)
		return 0;
	if (attach_line(v))
		return -ENODEV;
	v->intx_attached = 1;
	return 0;
}
