/* The split virtqueue, driver side (see drv/virtq.h), written as the
 * virtio 1.x spec's section 2.7 steps. x86 keeps stores in order and loads
 * in order, so the spec's write and read barriers only stop the compiler;
 * the one full barrier (a store then a load of the other side's index)
 * is a real fence. */
#include <errno.h>
#include <string.h>

#include <drv/virtq.h>

#define wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)

static size_t align_up(size_t v, size_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Bytes of descriptors plus available ring (with used_event). */
static size_t desc_avail_size(uint16_t size)
{
	return 16ul * size + 6 + 2ul * size;
}

size_t drv_virtq_mem_size(uint16_t size)
{
	return align_up(desc_avail_size(size), VIRTQ_ALIGN) +
	       align_up(6 + 8ul * size, VIRTQ_ALIGN);
}

size_t drv_virtq_indirect_size(uint16_t size)
{
	return (size_t)size * VIRTQ_INDIRECT_MAX * sizeof(struct virtq_desc);
}

/* The used ring's avail_event and the available ring's used_event
 * (EVENT_IDX), each right after its ring. */
static volatile uint16_t *avail_event(struct drv_virtq *vq)
{
	return (volatile uint16_t *)&vq->used->ring[vq->size];
}

static volatile uint16_t *used_event(struct drv_virtq *vq)
{
	return &vq->avail->ring[vq->size];
}

void drv_virtq_init(struct drv_virtq *vq, uint16_t index, uint16_t size,
		    void *mem, void **cookies, void *indirect, int event_idx)
{
	*vq = (struct drv_virtq){ .size = size,
				  .index = index,
				  .cookie = cookies,
				  .indirect = indirect,
				  .event_idx = event_idx,
				  .cb_enabled = 1,
				  .stuck_used = VIRTQ_STUCK_NONE,
				  .num_free = size };
	vq->desc = mem;
	vq->avail = (struct virtq_avail *)((char *)mem + 16ul * size);
	vq->used = (struct virtq_used *)((char *)mem +
					 align_up(desc_avail_size(size),
						  VIRTQ_ALIGN));
	for (uint16_t i = 0; i + 1 < size; i++) /* the free list */
		vq->desc[i].next = i + 1;
	memset(cookies, 0, size * sizeof(*cookies));
}

uint64_t drv_virtq_desc_addr(const struct drv_virtq *vq)
{
	return (uint64_t)(uintptr_t)vq->desc;
}

uint64_t drv_virtq_avail_addr(const struct drv_virtq *vq)
{
	return (uint64_t)(uintptr_t)vq->avail;
}

uint64_t drv_virtq_used_addr(const struct drv_virtq *vq)
{
	return (uint64_t)(uintptr_t)vq->used;
}

/* Fill an indirect table from the buffers (readable ones first). */
static void fill_table(struct virtq_desc *table, const struct drv_sg *out,
		       unsigned nout, const struct drv_sg *in, unsigned nin)
{
	for (unsigned i = 0; i < nout + nin; i++) {
		const struct drv_sg *sg = i < nout ? &out[i] : &in[i - nout];

		table[i].addr = (uint64_t)(uintptr_t)sg->addr;
		table[i].len = sg->len;
		table[i].flags = (i < nout ? 0 : VIRTQ_DESC_F_WRITE) |
				 (i + 1 < nout + nin ? VIRTQ_DESC_F_NEXT : 0);
		table[i].next = (uint16_t)(i + 1);
	}
}

/* Take n descriptors off the free list; returns the head. The chain
 * follows the free list's own next links. */
static uint16_t take_free(struct drv_virtq *vq, unsigned n)
{
	uint16_t head = vq->free_head, d = head;

	for (unsigned i = 1; i < n; i++)
		d = vq->desc[d].next;
	vq->free_head = vq->desc[d].next;
	vq->num_free -= (uint16_t)n;
	return head;
}

/* Step 2.7.13.1: place the buffers in the descriptor table. */
static uint16_t place_direct(struct drv_virtq *vq, const struct drv_sg *out,
			     unsigned nout, const struct drv_sg *in,
			     unsigned nin)
{
	uint16_t head = take_free(vq, nout + nin), d = head;

	for (unsigned i = 0; i < nout + nin; i++) {
		const struct drv_sg *sg = i < nout ? &out[i] : &in[i - nout];

		vq->desc[d].addr = (uint64_t)(uintptr_t)sg->addr;
		vq->desc[d].len = sg->len;
		vq->desc[d].flags =
			(i < nout ? 0 : VIRTQ_DESC_F_WRITE) |
			(i + 1 < nout + nin ? VIRTQ_DESC_F_NEXT : 0);
		d = vq->desc[d].next;
	}
	return head;
}

/* The same through the head's indirect table: one ring descriptor. */
static uint16_t place_indirect(struct drv_virtq *vq, const struct drv_sg *out,
			       unsigned nout, const struct drv_sg *in,
			       unsigned nin)
{
	uint16_t head = take_free(vq, 1);
	struct virtq_desc *table = vq->indirect + head * VIRTQ_INDIRECT_MAX;

	fill_table(table, out, nout, in, nin);
	vq->desc[head].addr = (uint64_t)(uintptr_t)table;
	vq->desc[head].len = (uint32_t)((nout + nin) * sizeof(*table));
	vq->desc[head].flags = VIRTQ_DESC_F_INDIRECT;
	return head;
}

int drv_virtq_add(struct drv_virtq *vq, const struct drv_sg *out, unsigned nout,
		  const struct drv_sg *in, unsigned nin, void *cookie)
{
	unsigned n = nout + nin;
	int indirect = vq->indirect && n > 1 && n <= VIRTQ_INDIRECT_MAX;
	uint16_t head;

	if (n == 0 || !cookie)
		return -EINVAL;
	if ((indirect ? 1 : n) > vq->num_free) {
		vq->full++;
		return -ENOSPC;
	}
	head = indirect ? place_indirect(vq, out, nout, in, nin) :
			  place_direct(vq, out, nout, in, nin);
	vq->cookie[head] = cookie;
	/* 2.7.13.2: the head goes in the next available ring entry. */
	vq->avail->ring[vq->avail_idx & (vq->size - 1)] = head;
	vq->avail_idx++;
	return 0;
}

/* Whether the device asked to be notified when the index passed event,
 * going from old to new (the spec's vring_need_event). */
static int need_event(uint16_t event, uint16_t new_idx, uint16_t old)
{
	return (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - old);
}

int drv_virtq_kick_needed(struct drv_virtq *vq)
{
	uint16_t old = vq->kicked_idx, new_idx = vq->avail_idx;
	int need;

	/* 2.7.13.3: the entries before the index; 2.7.13.4: the index
	 * before reading whether the device wants to hear of it. */
	wmb();
	__atomic_store_n(&vq->avail->idx, new_idx, __ATOMIC_RELEASE);
	mb();
	vq->kicked_idx = new_idx;
	if (new_idx == old)
		return 0;
	if (vq->event_idx)
		need = need_event(*avail_event(vq), new_idx, old);
	else
		need = !(__atomic_load_n(&vq->used->flags, __ATOMIC_ACQUIRE) &
			 VIRTQ_USED_F_NO_NOTIFY);
	if (need)
		vq->notifications++;
	else
		vq->suppressed++;
	return need;
}

int drv_virtq_kick_full(struct drv_virtq *vq)
{
	uint64_t suppressed = vq->suppressed;
	int need = drv_virtq_kick_needed(vq);

	if (!need && vq->stuck_used == vq->last_used)
		return 0; /* heard of them; finished none since */
	vq->stuck_used = vq->last_used;
	if (!need) { /* forced: counted as a notification, not suppressed */
		vq->suppressed = suppressed;
		vq->notifications++;
	}
	return 1;
}

int drv_virtq_has_used(const struct drv_virtq *vq)
{
	return __atomic_load_n(&vq->used->idx, __ATOMIC_ACQUIRE) !=
	       vq->last_used;
}

/* Put the chain starting at head back on the free list. */
static void free_chain(struct drv_virtq *vq, uint16_t head)
{
	uint16_t d = head, n = 1;

	while (vq->desc[d].flags & VIRTQ_DESC_F_NEXT) {
		d = vq->desc[d].next;
		n++;
	}
	vq->desc[d].next = vq->free_head;
	vq->free_head = head;
	vq->num_free += n;
}

void *drv_virtq_get(struct drv_virtq *vq, uint32_t *len)
{
	struct virtq_used_elem e;
	void *cookie;

	do {
		if (!drv_virtq_has_used(vq))
			return 0;
		rmb(); /* the entry after the index */
		e = vq->used->ring[vq->last_used & (vq->size - 1)];
		vq->last_used++;
		/* a broken device's bad or repeated id: skip the entry */
	} while (e.id >= vq->size || !vq->cookie[e.id]);
	cookie = vq->cookie[e.id];
	vq->cookie[e.id] = 0;
	free_chain(vq, (uint16_t)e.id);
	if (len)
		*len = e.len;
	if (vq->event_idx && vq->cb_enabled) /* interrupt after the next */
		*used_event(vq) = vq->last_used;
	return cookie;
}

void drv_virtq_disable_cb(struct drv_virtq *vq)
{
	vq->cb_enabled = 0;
	if (vq->event_idx) /* an index the device has passed already */
		*used_event(vq) = (uint16_t)(vq->last_used - 1);
	else
		vq->avail->flags |= VIRTQ_AVAIL_F_NO_INTERRUPT;
}

int drv_virtq_enable_cb(struct drv_virtq *vq)
{
	vq->cb_enabled = 1;
	if (vq->event_idx)
		*used_event(vq) = vq->last_used;
	else
		vq->avail->flags &= ~VIRTQ_AVAIL_F_NO_INTERRUPT;
	mb(); /* the request before looking at what arrived */
	return drv_virtq_has_used(vq);
}
