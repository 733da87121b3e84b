/* The virtio-pci transport (virtio 1.x section 4.1): the modern interface
 * through its vendor capabilities (common, notify, ISR and device
 * configuration structures), interrupts by MSI-X, one vector per queue
 * plus one for configuration changes, or by the shared INTx line when
 * MSI-X is missing. Devices without the modern capabilities are handed to
 * the legacy interface (pci_legacy.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <drv/pci.h>
#include <drv/virtio.h>
#include <kern/console.h>
#include <kern/mm.h>

#include "pci_caps.h"
#include "pci_transport.h"

#define VIRTIO_PCI_VENDOR 0x1af4
#define NO_VECTOR 0xffff
#define MAX_DEVICES 8

/* The common configuration structure (4.1.4.3). */
struct common_cfg {
	uint32_t device_feature_select;
	uint32_t device_feature;
	uint32_t driver_feature_select;
	uint32_t driver_feature;
	uint16_t msix_config;
	uint16_t num_queues;
	uint8_t device_status;
	uint8_t config_generation;
	uint16_t queue_select;
	uint16_t queue_size;
	uint16_t queue_msix_vector;
	uint16_t queue_enable;
	uint16_t queue_notify_off;
	uint64_t queue_desc;
	uint64_t queue_driver;
	uint64_t queue_device;
} __attribute__((packed));

_Static_assert(sizeof(struct common_cfg) == VPCI_COMMON_LEN,
	       "the common configuration checked in pci_caps.c");

static struct vpci devices[MAX_DEVICES];
static int ndevices;

static struct vpci *vp(struct drv_virtio_dev *d)
{
	return d->transport;
}

static uint8_t get_status(struct drv_virtio_dev *d)
{
	return vp(d)->common->device_status;
}

static void set_status(struct drv_virtio_dev *d, uint8_t status)
{
	vp(d)->common->device_status = status; /* 0: drv_virtio_reset waits */
}

static uint64_t get_features(struct drv_virtio_dev *d)
{
	volatile struct common_cfg *c = vp(d)->common;
	uint64_t lo, hi;

	c->device_feature_select = 0;
	lo = c->device_feature;
	c->device_feature_select = 1;
	hi = c->device_feature;
	return hi << 32 | lo;
}

static void set_features(struct drv_virtio_dev *d, uint64_t features)
{
	volatile struct common_cfg *c = vp(d)->common;

	c->driver_feature_select = 0;
	c->driver_feature = (uint32_t)features;
	c->driver_feature_select = 1;
	c->driver_feature = (uint32_t)(features >> 32);
}

/* Device configuration, read until the generation is stable (4.1.4.3),
 * at most DRV_VIRTIO_GEN_TRIES times: a device whose generation never
 * settles gets its last reading, not a hang. */
static void read_config(struct drv_virtio_dev *d, unsigned off, void *buf,
			unsigned len)
{
	volatile struct common_cfg *c = vp(d)->common;
	uint8_t gen;
	unsigned tries = 0;

	/* drv_virtio_config kept off + len inside the structure */
	do {
		gen = c->config_generation;
		for (unsigned i = 0; i < len; i++)
			((uint8_t *)buf)[i] = vp(d)->device[off + i];
	} while (gen != c->config_generation && ++tries < DRV_VIRTIO_GEN_TRIES);
}

static uint16_t queue_max(struct drv_virtio_dev *d, unsigned q)
{
	volatile struct common_cfg *c = vp(d)->common;

	if (q >= c->num_queues)
		return 0;
	c->queue_select = (uint16_t)q;
	return c->queue_size;
}

/* The queue's notification address must lie inside the notify
 * structure (4.1.4.4); checked before the queue is told anything. */
static int queue_enable(struct drv_virtio_dev *d, struct drv_virtq *vq)
{
	struct vpci *v = vp(d);
	volatile struct common_cfg *c = v->common;
	uint16_t qoff;
	uint32_t at;

	c->queue_select = vq->index;
	qoff = c->queue_notify_off;
	if (vq->index >= DRV_VIRTIO_MAX_QUEUES ||
	    vpci_notify_offset(qoff, v->notify_mul, v->notify_len, &at)) {
		kern_info("virtio: %s: queue %u notifies at %u x %u, outside "
			  "its %u-byte notify structure",
			  d->name, vq->index, qoff, v->notify_mul,
			  v->notify_len);
		return -ERANGE;
	}
	c->queue_size = vq->size;
	c->queue_desc = drv_virtq_desc_addr(vq);
	c->queue_driver = drv_virtq_avail_addr(vq);
	c->queue_device = drv_virtq_used_addr(vq);
	v->notify_at[vq->index] = (volatile uint16_t *)(v->notify + at);
	c->queue_enable = 1;
	return 0;
}

static void notify(struct drv_virtio_dev *d, struct drv_virtq *vq)
{
	*vp(d)->notify_at[vq->index] = vq->index;
}

/* One MSI-X vector fired: count it, run its handler. */
static void msix_fired(void *arg)
{
	struct vpci_irq *h = arg;

	h->v->dev.stats.interrupts++;
	h->fn(h->arg);
}

/* MSI-X entry 0 for configuration changes, entry q + 1 for queue q. */
static int msix_attach(struct drv_virtio_dev *d, unsigned q, kern_irq_fn fn,
		       void *arg)
{
	struct vpci *v = vp(d);
	volatile struct common_cfg *c = v->common;
	unsigned entry = q == DRV_VIRTIO_CONFIG_IRQ ? 0 : q + 1;
	uint64_t addr;
	uint32_t data;
	int vec;

	struct vpci_irq *h;

	if (entry >= v->pci->msix.size ||
	    (q >= DRV_VIRTIO_MAX_QUEUES && q != DRV_VIRTIO_CONFIG_IRQ))
		return -ENOSPC;
	h = &v->intx[q == DRV_VIRTIO_CONFIG_IRQ ? DRV_VIRTIO_MAX_QUEUES : q];
	*h = (struct vpci_irq){ fn, arg, v };
	vec = kern_irq_alloc_msi(msix_fired, h, &addr, &data);
	if (vec < 0)
		return vec;
	drv_pci_msix_set_vector(v->pci, entry, addr, data, 0);
	drv_pci_msix_enable(v->pci, 1);
	if (q == DRV_VIRTIO_CONFIG_IRQ) {
		c->msix_config = (uint16_t)entry;
		return c->msix_config == NO_VECTOR ? -EIO : 0;
	}
	c->queue_select = (uint16_t)q;
	c->queue_msix_vector = (uint16_t)entry;
	return c->queue_msix_vector == NO_VECTOR ? -EIO : 0;
}

static int irq_attach(struct drv_virtio_dev *d, unsigned q, kern_irq_fn fn,
		      void *arg)
{
	if (vp(d)->msix)
		return msix_attach(d, q, fn, arg);
	return vpci_intx_attach(vp(d), q, fn, arg);
}

static const struct drv_virtio_ops modern_ops = {
	get_status, set_status,	  get_features, set_features, read_config,
	queue_max,  queue_enable, notify,	irq_attach,
};

/* Map the structure r describes. */
static volatile uint8_t *map_region(struct drv_pci_dev *p,
				    const struct vpci_region *r)
{
	return kern_mm_map_device(p->bar[r->bar].base + r->off,
				  r->len ? r->len : 1);
}

/* Find, check (pci_caps.c) and map the modern structures. 0; -ENODEV
 * when the device has no usable modern interface; -EINVAL when one of
 * its capabilities is malformed (why says how); -ENOMEM. */
static int find_caps(struct vpci *v, char *why, size_t whylen)
{
	struct vpci_caps c;
	int r = vpci_caps_find(v->pci, &c, why, whylen);

	if (r == -EINVAL && (c.found & 1u << VPCI_COMMON))
		v->common =
			(volatile void *)map_region(v->pci, &c.at[VPCI_COMMON]);
	if (r) /* with common mapped, refuse() can mark the device FAILED */
		return r;
	v->common = (volatile void *)map_region(v->pci, &c.at[VPCI_COMMON]);
	v->notify = map_region(v->pci, &c.at[VPCI_NOTIFY]);
	v->isr = map_region(v->pci, &c.at[VPCI_ISR]);
	v->device = map_region(v->pci, &c.at[VPCI_DEVICE]);
	v->notify_mul = c.notify_mul;
	v->notify_len = c.at[VPCI_NOTIFY].len;
	v->dev.config_len = c.at[VPCI_DEVICE].len;
	return v->common && v->notify && v->isr && v->device ? 0 : -ENOMEM;
}

/* The virtio device id: modern ids are 0x1040 + id; transitional ones
 * (0x1000-0x103f) carry it in the subsystem id. */
static uint16_t virtio_id(const struct drv_pci_dev *p)
{
	return p->device >= 0x1040 ? p->device - 0x1040 : p->subsys_id;
}

/* Refuse v's device: log why, mark it FAILED if its status is
 * reachable. -ENODEV. */
static int refuse(struct vpci *v, const char *why)
{
	struct drv_pci_dev *p = v->pci;

	if (v->common)
		v->common->device_status = VIRTIO_STATUS_FAILED;
	kern_info("virtio: pci %02x:%02x.%x: %s; device refused", p->bus,
		  p->dev, p->fn, why);
	return -ENODEV;
}

/* Set v up through the modern interface, else the legacy one. 0, or
 * -ENODEV after a log line. */
static int choose_interface(struct vpci *v)
{
	char why[160];
	int r = find_caps(v, why, sizeof(why));

	if (r == 0) {
		v->dev.ops = &modern_ops;
		v->dev.transport_name = v->msix ? "pci, MSI-X" : "pci, INTx";
		return 0;
	}
	if (r == -EINVAL)
		return refuse(v, why); /* the device lies: no fallback */
	if (r == -ENOMEM)
		return refuse(v, "cannot map its structures");
	if (vpci_legacy_init(v) == 0)
		return 0;
	kern_info("virtio: pci %02x:%02x.%x: neither modern (%s) nor legacy "
		  "interface usable; left alone",
		  v->pci->bus, v->pci->dev, v->pci->fn, why);
	return -ENODEV;
}

static int probe(struct drv_pci_dev *p)
{
	struct vpci *v;

	if (p->device < 0x1000 || p->device > 0x107f)
		return -ENODEV;
	if (ndevices == MAX_DEVICES)
		return -ENOSPC;
	v = &devices[ndevices];
	memset(v, 0, sizeof(*v));
	v->pci = p;
	v->dev.transport = v;
	v->dev.device_id = virtio_id(p);
	drv_pci_enable(p);
	v->msix = drv_pci_msix_setup(p) > 0;
	snprintf(v->dev.name, sizeof(v->dev.name), "%s at pci %02x:%02x.%x",
		 drv_virtio_id_name(v->dev.device_id), p->bus, p->dev, p->fn);
	if (choose_interface(v))
		return -ENODEV;
	ndevices++;
	p->driver_data = v;
	drv_virtio_add_device(&v->dev);
	return 0; /* claimed even if the device driver failed: it is ours */
}

static const struct drv_pci_driver virtio_pci = {
	"virtio-pci",
	VIRTIO_PCI_VENDOR,
	DRV_PCI_ANY,
	probe,
};

int drv_virtio_pci_register(void)
{
	return drv_pci_register(&virtio_pci);
}
