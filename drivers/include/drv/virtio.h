/* virtio devices, transport-independent (virtio 1.x section 3): the
 * device status and feature negotiation, virtqueue creation, interrupts
 * per queue, and the table of device drivers (net, blk, rng ...). A
 * transport (virtio-pci modern or legacy, virtio-mmio version 1 or 2)
 * finds devices, fills in a struct drv_virtio_dev with its operations and
 * calls drv_virtio_add_device(); the matching device driver's probe then
 * follows the spec's initialisation steps through the helpers below. */
#ifndef DRV_VIRTIO_H
#define DRV_VIRTIO_H

#include <stdint.h>

#include <arch/boot.h>
#include <drv/virtq.h>
#include <kern/irq.h>

struct kern_cmdline;

/* Device status bits (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED 128

/* Readings of a device's configuration before its generation counter is
 * taken as it is: a device that changes it on every read must not hang
 * the driver. */
#define DRV_VIRTIO_GEN_TRIES 64

/* Device-independent feature bits (6). */
#define VIRTIO_F_INDIRECT_DESC (1ULL << 28)
#define VIRTIO_F_EVENT_IDX (1ULL << 29)
#define VIRTIO_F_VERSION_1 (1ULL << 32)
#define VIRTIO_F_ACCESS_PLATFORM (1ULL << 33)

/* Device ids (5). */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_RNG 4

#define DRV_VIRTIO_MAX_QUEUES 8

struct drv_virtio_dev;

/* What a transport provides. */
struct drv_virtio_ops {
	uint8_t (*get_status)(struct drv_virtio_dev *d);
	/* write the status; 0 starts a reset, which is done when the status
	 * reads 0 again (drv_virtio_reset waits for it, bounded) */
	void (*set_status)(struct drv_virtio_dev *d, uint8_t status);
	uint64_t (*get_features)(struct drv_virtio_dev *d);
	void (*set_features)(struct drv_virtio_dev *d, uint64_t features);
	/* device-specific configuration, len bytes at offset off; only
	 * through drv_virtio_config(), which keeps the read inside
	 * config_len */
	void (*read_config)(struct drv_virtio_dev *d, unsigned off, void *buf,
			    unsigned len);
	/* the largest size queue q may have, 0 if the queue does not exist */
	uint16_t (*queue_max)(struct drv_virtio_dev *d, unsigned q);
	/* tell the device where vq lives and enable it; 0, or -errno when
	 * the queue is not enabled */
	int (*queue_enable)(struct drv_virtio_dev *d, struct drv_virtq *vq);
	/* notify the device that vq has new available buffers */
	void (*notify)(struct drv_virtio_dev *d, struct drv_virtq *vq);
	/* have fn(arg) run from the event loop when queue q (or, for q ==
	 * DRV_VIRTIO_CONFIG_IRQ, the configuration) signals; 0 or -errno.
	 * Call after the queues exist, before DRIVER_OK. */
	int (*irq_attach)(struct drv_virtio_dev *d, unsigned q, kern_irq_fn fn,
			  void *arg);
};

#define DRV_VIRTIO_CONFIG_IRQ 0xffff

struct drv_virtio_stats {
	uint64_t interrupts;	/* interrupts taken for this device */
	uint64_t notifications; /* queue notifications sent to the device */
};

struct drv_virtio_dev {
	const struct drv_virtio_ops *ops;
	void *transport;	    /* the transport's own state */
	const char *transport_name; /* "pci", "pci-legacy", "mmio-v1" ... */
	char name[40];		    /* for logs: "virtio-net@pci 00:03.0" */
	uint16_t device_id;	    /* VIRTIO_ID_* */
	int legacy;		    /* a pre-1.0 interface: no VERSION_1 */
	int fixed_queue_size;	    /* the driver cannot choose queue sizes
				     * (legacy virtio-pci) */
	uint32_t config_len;	    /* bytes of device-specific configuration
				     * the transport reaches */
	uint64_t features;	    /* negotiated */
	struct drv_virtio_stats stats;
	void *driver_data;
};

/* A device driver. probe follows 3.1.1 through drv_virtio_start(),
 * drv_virtio_queue(), drv_virtio_ready(); it returns 0 when the device is
 * working, else a negative errno after drv_virtio_fail(). */
struct drv_virtio_driver {
	const char *name;
	uint16_t device_id;
	int (*probe)(struct drv_virtio_dev *d);
};

/* Register the virtio-pci transport with the PCI bus (before
 * drv_pci_init()). 0 or -errno. */
int drv_virtio_pci_register(void);

/* Find the virtio-mmio devices (QEMU microvm) and offer each to
 * drv_virtio_add_device(): those the command line's
 * virtio_mmio.device=SIZE@BASE:GSI tokens name, else, when the ACPI
 * tables are QEMU microvm's, its fixed transports at 0xfeb00000. The
 * tokens are checked first against bi's memory map and the image; a bad
 * one stops the boot (OS_EXIT_BOOTCONF, the token named). Call after
 * kern_irq_init() and the device drivers' registration. Logs one line
 * when it looked; returns the number of devices found (0 on machines
 * without any). */
int drv_virtio_mmio_init(const struct arch_bootinfo *bi,
			 const struct kern_cmdline *cl);

/* Take the virtio kernel options, in every image whatever its drivers:
 * virtio.no_event_idx (virtio-net does not negotiate EVENT_IDX). Call
 * from the boot sequence before any device is probed. */
void drv_virtio_init(struct kern_cmdline *cl);

/* Whether kernel option virtio.no_event_idx was given. */
int drv_virtio_no_event_idx(void);

/* Register the virtio-net driver (drivers/virtio/net.c): each device
 * becomes a network device of drv/netdev.h. 0 or -ENOSPC. */
int drv_virtio_net_register(void);

/* Register the virtio-rng driver (drivers/virtio/rng.c): the device
 * feeds the kernel's entropy pool (kern/entropy.h). 0 or -ENOSPC. */
int drv_virtio_rng_register(void);

/* Register the virtio-blk driver (drivers/virtio/blk.c): each device
 * becomes a block device of include/os/blk.h. 0 or -ENOSPC. */
int drv_virtio_blk_register(void);

/* "virtio-net", "virtio-blk", "virtio-rng" or "virtio device". */
const char *drv_virtio_id_name(uint16_t id);

/* Register a device driver; before the transports look for devices (the
 * boot sequence). 0 or -ENOSPC. */
int drv_virtio_register(const struct drv_virtio_driver *drv);

/* A transport found d: offer it to the driver for its device id, log the
 * outcome ("virtio: net at pci 00:03.0 (pci): up" or why not). Returns
 * the probe's result, -ENODEV when no driver wants the device. */
int drv_virtio_add_device(struct drv_virtio_dev *d);

/* The features both sides take: device & wanted, and VERSION_1 required
 * and kept unless legacy (legacy keeps only the low 32 bits). Returns 0
 * and sets *out, or -ENOTSUP when a modern device lacks VERSION_1. Pure. */
int drv_virtio_negotiate(uint64_t device, uint64_t wanted, int legacy,
			 uint64_t *out);

/* Longest wait for a reset to finish (the status to read 0 again). */
#define DRV_VIRTIO_RESET_NS 1000000000ULL

/* Reset d (step 1 of 3.1.1): write status 0, then wait for the status to
 * read 0, for at most DRV_VIRTIO_RESET_NS of the kernel clock. 0, or
 * -ETIMEDOUT after a log line (the device is then given up: FAILED is
 * written, for what it is worth). */
int drv_virtio_reset(struct drv_virtio_dev *d);

/* Read len bytes of d's device-specific configuration at offset off into
 * buf. A read reaching past d->config_len (overflow included) reads
 * nothing: d is marked FAILED with a log line naming the offsets, and
 * -EIO returned. 0 otherwise. */
int drv_virtio_config(struct drv_virtio_dev *d, unsigned off, void *buf,
		      unsigned len);

/* Steps 1-6 of 3.1.1: reset (drv_virtio_reset), ACKNOWLEDGE, DRIVER, read the
 * device's features, take those in wanted (see drv_virtio_negotiate), write
 * them, FEATURES_OK and check the device kept it (not for legacy devices). Sets
 * d->features. 0, or -ETIMEDOUT/-EIO/-ENOTSUP after a log line. */
int drv_virtio_start(struct drv_virtio_dev *d, uint64_t wanted);

/* drv_virtio_start, the features wanted being choose(the features the
 * device offers), for a driver whose choice depends on the offer (a
 * feature taken only with another the device may lack). */
int drv_virtio_start_choose(struct drv_virtio_dev *d,
			    uint64_t (*choose)(uint64_t offered));

/* Step 7 for one queue: size min(max_size, the device's maximum) (the
 * device's size when it is fixed), memory
 * from the kernel (zeroed, 1:1), indirect tables if negotiated, EVENT_IDX
 * if negotiated; tell the device. 0, -ENOENT (no such queue), or the
 * transport's error when it could not enable the queue (-ERANGE: its
 * notification address lies outside the notify structure; -EIO ...),
 * the memory then given back. */
int drv_virtio_queue(struct drv_virtio_dev *d, unsigned index,
		     uint16_t max_size, struct drv_virtq *vq);

/* Step 8: DRIVER_OK. */
void drv_virtio_ready(struct drv_virtio_dev *d);

/* Mark d FAILED and log why; returns -EIO. */
int drv_virtio_fail(struct drv_virtio_dev *d, const char *why);

/* Publish what was added to vq and notify the device if it wants it. */
void drv_virtio_kick(struct drv_virtio_dev *d, struct drv_virtq *vq);

/* The same when the caller found vq full: notify the device even if it
 * said it need not be, once per request it finished since
 * (drv_virtq_kick_full), so that a missed notification cannot leave the
 * queue full for good. */
void drv_virtio_kick_full(struct drv_virtio_dev *d, struct drv_virtq *vq);

#endif
