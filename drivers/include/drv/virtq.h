/* The split virtqueue of virtio 1.x (section 2.7), driver side: the
 * descriptor table, the available ring the driver fills, the used ring the
 * device fills; a free list threaded through the descriptors; indirect
 * descriptors and VIRTIO_F_EVENT_IDX notification suppression when
 * negotiated. The memory is given by the caller (physically contiguous and
 * mapped 1:1, so an address is both what the driver and the device use),
 * laid out as legacy devices require: descriptors, then the available
 * ring, then the used ring at the next 4 KiB boundary. Pure code: unit
 * tested on the host against a simulated device. */
#ifndef DRV_VIRTQ_H
#define DRV_VIRTQ_H

#include <stddef.h>
#include <stdint.h>

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY 1
#define VIRTQ_ALIGN 4096
#define VIRTQ_INDIRECT_MAX 16 /* descriptors per indirect table */

struct virtq_desc {
	uint64_t addr; /* guest-physical address of the buffer */
	uint32_t len;
	uint16_t flags; /* VIRTQ_DESC_F_* */
	uint16_t next;	/* the next descriptor if F_NEXT */
};

struct virtq_avail {
	uint16_t flags;	 /* VIRTQ_AVAIL_F_NO_INTERRUPT (without EVENT_IDX) */
	uint16_t idx;	 /* where the driver puts the next entry (mod size) */
	uint16_t ring[]; /* heads of chains; then used_event (EVENT_IDX) */
};

struct virtq_used_elem {
	uint32_t id;  /* head of the chain the device is done with */
	uint32_t len; /* bytes it wrote into the chain */
};

struct virtq_used {
	uint16_t flags; /* VIRTQ_USED_F_NO_NOTIFY (without EVENT_IDX) */
	uint16_t idx;	/* where the device puts the next entry (mod size) */
	struct virtq_used_elem ring[]; /* then avail_event (EVENT_IDX) */
};

/* One buffer of a request: address (1:1) and length. */
struct drv_sg {
	void *addr;
	uint32_t len;
};

struct drv_virtq {
	uint16_t size;	/* entries, a power of two */
	uint16_t index; /* the queue's number on its device */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	struct virtq_desc
		*indirect;  /* size tables of VIRTQ_INDIRECT_MAX, or NULL */
	void **cookie;	    /* per head: the caller's token */
	uint16_t free_head; /* first free descriptor (chained by next) */
	uint16_t num_free;
	uint16_t avail_idx;	/* our copy of avail->idx */
	uint16_t kicked_idx;	/* avail_idx at the last notification check */
	uint16_t last_used;	/* next used entry to look at */
	uint32_t stuck_used;	/* last_used when drv_virtq_kick_full last
				 * said to notify, or VIRTQ_STUCK_NONE */
	int event_idx;		/* VIRTIO_F_EVENT_IDX negotiated */
	int cb_enabled;		/* interrupts for used buffers wanted */
	uint64_t notifications; /* kicks the device asked for */
	uint64_t suppressed;	/* kicks the device said it did not need */
	uint64_t full;		/* adds refused: ring full */
};

/* Bytes of memory a queue of size entries needs (legacy layout), and of
 * its indirect tables. */
size_t drv_virtq_mem_size(uint16_t size);
size_t drv_virtq_indirect_size(uint16_t size);

/* Lay a queue of size entries (a power of two) out in mem (zeroed,
 * VIRTQ_ALIGN-aligned, drv_virtq_mem_size bytes), with cookie room for
 * size pointers; indirect is NULL or drv_virtq_indirect_size bytes
 * (16-aligned) to allow indirect descriptors. */
void drv_virtq_init(struct drv_virtq *vq, uint16_t index, uint16_t size,
		    void *mem, void **cookies, void *indirect, int event_idx);

/* Addresses to give the device: descriptor table, available and used
 * rings. */
uint64_t drv_virtq_desc_addr(const struct drv_virtq *vq);
uint64_t drv_virtq_avail_addr(const struct drv_virtq *vq);
uint64_t drv_virtq_used_addr(const struct drv_virtq *vq);

/* Make a request of nout device-readable buffers then nin device-writable
 * ones available, with token cookie (not NULL). A request of more than one
 * buffer uses an indirect table when the queue has them. Returns 0, or
 * -ENOSPC when there are not enough free descriptors (nothing is added)
 * or -EINVAL. The device is not notified: call drv_virtq_kick_needed. */
int drv_virtq_add(struct drv_virtq *vq, const struct drv_sg *out, unsigned nout,
		  const struct drv_sg *in, unsigned nin, void *cookie);

/* After one or more adds: whether the device wants a notification now
 * (VIRTQ_USED_F_NO_NOTIFY, or the avail_event index with EVENT_IDX).
 * Publishes the adds first. */
int drv_virtq_kick_needed(struct drv_virtq *vq);

#define VIRTQ_STUCK_NONE 0x10000u /* no last_used: never said */

/* The caller found the queue full: publishes like drv_virtq_kick_needed,
 * and says to notify the device even if it said it did not want to hear
 * of the entries (a notification it missed leaves a full ring waiting
 * for ever), once each time the device has finished something since:
 * 1 to notify now, 0 not to. */
int drv_virtq_kick_full(struct drv_virtq *vq);

/* The token of the next request the device has finished, with *len the
 * bytes it wrote; NULL when there is none. Its descriptors are free again. */
void *drv_virtq_get(struct drv_virtq *vq, uint32_t *len);

/* Ask the device not to interrupt for used buffers (a hint). */
void drv_virtq_disable_cb(struct drv_virtq *vq);

/* Ask for an interrupt at the next used buffer. Returns 1 if used buffers
 * arrived meanwhile (the caller must look at them: no interrupt may come
 * for those). */
int drv_virtq_enable_cb(struct drv_virtq *vq);

/* Whether the device has finished requests not yet taken. */
int drv_virtq_has_used(const struct drv_virtq *vq);

#endif
