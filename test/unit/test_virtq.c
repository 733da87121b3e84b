/* Unit tests of the split virtqueue (drivers/virtio/virtq.c) against a
 * device simulated here from the device side of the virtio 1.x spec
 * (2.7): it reads the available ring, walks descriptor chains and
 * indirect tables (checking their shape), writes used elements, asks for
 * notifications or declines them (VIRTQ_USED_F_NO_NOTIFY, avail_event) and
 * decides from VIRTQ_AVAIL_F_NO_INTERRUPT or used_event whether it would
 * interrupt. Its decisions are written as "is the index the driver named
 * among the entries just passed", not with the driver's formula. Host
 * buffers come from aligned_alloc; their addresses are used as-is. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <drv/virtq.h>

#define NREQ 64	   /* request ids in flight at most */
#define MAX_SEG 24 /* buffers per request at most */
#define SEG_BYTES 16

/* The buffers: request id's buffer j is pool[id][j]. */
static uint8_t pool[NREQ][MAX_SEG][SEG_BYTES];
static char tags[NREQ]; /* request id's cookie is &tags[id] */

/* ---- the simulated device ---- */

struct seg {
	uint64_t addr;
	uint32_t len;
	int write;
};

/* One request as the device found it. */
struct req {
	uint16_t head;
	int indirect;
	unsigned n;
	struct seg seg[MAX_SEG];
};

struct sim {
	uint16_t size;
	int event_idx;
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint16_t last_avail; /* next available entry to read */
	uint16_t used_idx;   /* the next used entry to write */
	uint64_t interrupts; /* raised */
	uint64_t withheld;   /* not raised: the driver said so */
};

static uint16_t *sim_used_event(struct sim *s)
{
	return &s->avail->ring[s->size];
}

static uint16_t *sim_avail_event(struct sim *s)
{
	return (uint16_t *)&s->used->ring[s->size];
}

static void sim_init(struct sim *s, const struct drv_virtq *vq, int event_idx)
{
	memset(s, 0, sizeof(*s));
	s->size = vq->size;
	s->event_idx = event_idx;
	s->desc = (void *)(uintptr_t)drv_virtq_desc_addr(vq);
	s->avail = (void *)(uintptr_t)drv_virtq_avail_addr(vq);
	s->used = (void *)(uintptr_t)drv_virtq_used_addr(vq);
}

static void walk(struct req *r, const struct virtq_desc *t, unsigned n,
		 unsigned i, int nested);

/* An indirect descriptor (2.7.5.3): not chained, not nested, a whole
 * number of descriptors. */
static void walk_indirect(struct req *r, const struct virtq_desc *d, int nested)
{
	assert_false(nested);
	assert_false(d->flags & VIRTQ_DESC_F_NEXT);
	assert_true(d->len >= sizeof(*d));
	assert_int_equal(d->len % sizeof(*d), 0);
	r->indirect = 1;
	walk(r, (const void *)(uintptr_t)d->addr, d->len / sizeof(*d), 0, 1);
}

/* Follow the chain at t[i] (a table of n): readable buffers first, no
 * loop, no index out of the table. */
static void walk(struct req *r, const struct virtq_desc *t, unsigned n,
		 unsigned i, int nested)
{
	for (unsigned steps = 0;; steps++) {
		const struct virtq_desc *d;

		assert_true(i < n);
		assert_true(steps < n);
		d = &t[i];
		if (d->flags & VIRTQ_DESC_F_INDIRECT) {
			assert_int_equal(r->n, 0);
			walk_indirect(r, d, nested);
			return;
		}
		assert_true(r->n < MAX_SEG);
		if (r->n && r->seg[r->n - 1].write)
			assert_true(d->flags & VIRTQ_DESC_F_WRITE);
		r->seg[r->n++] =
			(struct seg){ d->addr, d->len,
				      !!(d->flags & VIRTQ_DESC_F_WRITE) };
		if (!(d->flags & VIRTQ_DESC_F_NEXT))
			return;
		i = d->next;
	}
}

/* Take the next available request; 0 when there is none. */
static int sim_pop(struct sim *s, struct req *r)
{
	uint16_t idx = __atomic_load_n(&s->avail->idx, __ATOMIC_ACQUIRE);

	if (idx == s->last_avail)
		return 0;
	memset(r, 0, sizeof(*r));
	r->head = s->avail->ring[s->last_avail % s->size];
	s->last_avail++;
	assert_true(r->head < s->size);
	walk(r, s->desc, s->size, r->head, 0);
	return 1;
}

/* Write one used element and publish it. */
static void sim_put(struct sim *s, uint32_t id, uint32_t len)
{
	s->used->ring[s->used_idx % s->size] =
		(struct virtq_used_elem){ id, len };
	s->used_idx++;
	__atomic_store_n(&s->used->idx, s->used_idx, __ATOMIC_RELEASE);
}

/* After publishing the entries from old on: would the device interrupt?
 * With EVENT_IDX when entry used_event is among them, else unless
 * VIRTQ_AVAIL_F_NO_INTERRUPT is set. */
static int sim_signal(struct sim *s, uint16_t old)
{
	int want = 0;

	if (s->event_idx) {
		for (uint16_t i = old; i != s->used_idx; i++)
			if (i == *sim_used_event(s))
				want = 1;
	} else {
		want = !(s->avail->flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
	}
	if (want)
		s->interrupts++;
	else
		s->withheld++;
	return want;
}

/* One used element, then the interrupt decision. */
static int sim_push(struct sim *s, uint32_t id, uint32_t len)
{
	uint16_t old = s->used_idx;

	sim_put(s, id, len);
	return sim_signal(s, old);
}

/* Whether the device, having said it wants to hear when the available
 * index passes entry avail_event (or by the flag without EVENT_IDX),
 * expects a notification for the entries old..new-1. */
static int sim_asked(struct sim *s, uint16_t old, uint16_t new_idx)
{
	if (!s->event_idx)
		return old != new_idx &&
		       !(s->used->flags & VIRTQ_USED_F_NO_NOTIFY);
	for (uint16_t i = old; i != new_idx; i++)
		if (i == *sim_avail_event(s))
			return 1;
	return 0;
}

/* ---- the driver side ---- */

struct fix {
	struct drv_virtq vq;
	void *mem, *indirect;
	void **cookies;
	struct sim dev;
};

static void fix_init(struct fix *f, uint16_t size, int indirect, int event_idx)
{
	size_t len = drv_virtq_mem_size(size);

	f->mem = aligned_alloc(VIRTQ_ALIGN, len);
	assert_non_null(f->mem);
	memset(f->mem, 0, len);
	f->cookies = calloc(size, sizeof(void *));
	f->indirect = NULL;
	if (indirect) {
		f->indirect = aligned_alloc(16, drv_virtq_indirect_size(size));
		assert_non_null(f->indirect);
	}
	drv_virtq_init(&f->vq, 0, size, f->mem, f->cookies, f->indirect,
		       event_idx);
	sim_init(&f->dev, &f->vq, event_idx);
}

static void fix_free(struct fix *f)
{
	free(f->mem);
	free(f->indirect);
	free(f->cookies);
}

static uint32_t seg_len(unsigned id, unsigned j)
{
	return (uint32_t)(SEG_BYTES - (id + j) % 8);
}

/* Add request id: nout readable buffers then nin writable ones. */
static int add_req(struct fix *f, unsigned id, unsigned nout, unsigned nin)
{
	struct drv_sg out[MAX_SEG], in[MAX_SEG];

	for (unsigned j = 0; j < nout + nin; j++) {
		struct drv_sg sg = { pool[id][j], seg_len(id, j) };

		if (j < nout)
			out[j] = sg;
		else
			in[j - nout] = sg;
	}
	return drv_virtq_add(&f->vq, out, nout, in, nin, &tags[id]);
}

/* Device side: check r is a request as add_req built it, with nout + nin
 * buffers; returns its id. */
static unsigned check_req(const struct req *r, unsigned nout, unsigned nin)
{
	uintptr_t a = (uintptr_t)r->seg[0].addr, base = (uintptr_t)pool;
	unsigned id;

	assert_int_equal(r->n, nout + nin);
	assert_true(a >= base && a < base + sizeof(pool));
	id = (unsigned)((a - base) / sizeof(pool[0]));
	for (unsigned j = 0; j < r->n; j++) {
		assert_int_equal(r->seg[j].addr, (uintptr_t)pool[id][j]);
		assert_int_equal(r->seg[j].len, seg_len(id, j));
		assert_int_equal(r->seg[j].write, j >= nout);
	}
	return id;
}

static unsigned id_of(void *cookie)
{
	assert_non_null(cookie);
	return (unsigned)((char *)cookie - tags);
}

/* ---- tests ---- */

/* The legacy layout: descriptors, available ring (with used_event), the
 * used ring (with avail_event) on the next 4 KiB boundary. */
static void test_layout(void **state)
{
	struct fix f;

	(void)state;
	assert_int_equal(drv_virtq_mem_size(8), 8192);
	assert_int_equal(drv_virtq_mem_size(256), 12288);
	assert_int_equal(drv_virtq_mem_size(1024), 32768);
	assert_int_equal(drv_virtq_indirect_size(8),
			 8 * VIRTQ_INDIRECT_MAX * sizeof(struct virtq_desc));
	fix_init(&f, 256, 0, 1);
	assert_int_equal(drv_virtq_desc_addr(&f.vq), (uintptr_t)f.mem);
	assert_int_equal(drv_virtq_avail_addr(&f.vq),
			 (uintptr_t)f.mem + 256 * 16);
	assert_int_equal(drv_virtq_used_addr(&f.vq), (uintptr_t)f.mem + 8192);
	assert_int_equal((uintptr_t)sim_used_event(&f.dev),
			 (uintptr_t)f.mem + 4096 + 4 + 512);
	assert_int_equal((uintptr_t)sim_avail_event(&f.dev),
			 (uintptr_t)f.mem + 8192 + 4 + 2048);
	assert_int_equal(f.vq.num_free, 256);
	fix_free(&f);
}

/* Run n requests of two buffers through a small ring in batches of 1
 * to 4 (4 fill it), the device completing in order: both 16-bit indices
 * wrap. */
static void run_wrap(int indirect, int event_idx, unsigned n)
{
	struct fix f;
	unsigned seq = 0, step;

	fix_init(&f, indirect ? 4 : 8, indirect, event_idx); /* 4 fill it */
	for (step = 0; seq < n; step++) {
		unsigned batch = 1 + step % 4;
		uint16_t old = f.dev.avail->idx;
		struct req r;
		uint32_t len;
		int kick;

		for (unsigned i = 0; i < batch; i++)
			assert_int_equal(add_req(&f, (seq + i) % NREQ, 1, 1),
					 0);
		*sim_avail_event(&f.dev) = f.dev.last_avail;
		kick = drv_virtq_kick_needed(&f.vq);
		assert_int_equal(kick,
				 sim_asked(&f.dev, old, f.dev.avail->idx));
		for (unsigned i = 0; sim_pop(&f.dev, &r); i++) {
			assert_int_equal(check_req(&r, 1, 1), (seq + i) % NREQ);
			assert_int_equal(r.indirect, indirect);
			sim_put(&f.dev, r.head, seq + i);
		}
		for (unsigned i = 0; i < batch; i++) {
			void *c = drv_virtq_get(&f.vq, &len);

			assert_int_equal(id_of(c), (seq + i) % NREQ);
			assert_int_equal(len, seq + i);
		}
		assert_null(drv_virtq_get(&f.vq, &len));
		seq += batch;
	}
	assert_int_equal(f.dev.avail->idx, (uint16_t)seq);
	assert_int_equal(f.dev.used->idx, (uint16_t)seq);
	assert_int_equal(f.vq.num_free, f.vq.size);
	assert_int_equal(f.vq.notifications, step); /* always asked */
	assert_int_equal(f.vq.suppressed, 0);
	fix_free(&f);
}

static void test_wraparound(void **state)
{
	(void)state;
	run_wrap(0, 0, 70010);
	run_wrap(1, 0, 70010);
	run_wrap(0, 1, 70010);
	run_wrap(1, 1, 70010);
}

/* A full ring refuses with -ENOSPC, adds nothing and counts it. */
static void test_full(void **state)
{
	struct fix f;
	struct req r;

	(void)state;
	fix_init(&f, 8, 0, 0);
	for (unsigned id = 0; id < 8; id++)
		assert_int_equal(add_req(&f, id, 1, 0), 0);
	assert_int_equal(f.vq.num_free, 0);
	assert_int_equal(add_req(&f, 8, 1, 0), -ENOSPC);
	assert_int_equal(f.vq.full, 1);
	assert_int_equal(f.vq.avail_idx, 8);
	drv_virtq_kick_needed(&f.vq);
	for (int i = 0; i < 2; i++) { /* two back: room for 2, not 3 */
		assert_true(sim_pop(&f.dev, &r));
		sim_put(&f.dev, r.head, 0);
		assert_non_null(drv_virtq_get(&f.vq, NULL));
	}
	assert_int_equal(add_req(&f, 9, 2, 1), -ENOSPC);
	assert_int_equal(f.vq.full, 2);
	assert_int_equal(f.vq.num_free, 2);
	assert_int_equal(f.vq.avail_idx, 8);
	assert_int_equal(add_req(&f, 9, 1, 1), 0);
	assert_int_equal(f.vq.num_free, 0);
	/* invalid requests are not "full" */
	assert_int_equal(drv_virtq_add(&f.vq, NULL, 0, NULL, 0, &tags[0]),
			 -EINVAL);
	assert_int_equal(drv_virtq_add(&f.vq, &(struct drv_sg){ pool[0], 1 }, 1,
				       NULL, 0, NULL),
			 -EINVAL);
	assert_int_equal(f.vq.full, 2);
	fix_free(&f);
}

/* With indirect tables a request of several buffers takes one slot. */
static void test_full_indirect(void **state)
{
	struct fix f;

	(void)state;
	fix_init(&f, 4, 1, 0);
	for (unsigned id = 0; id < 4; id++)
		assert_int_equal(add_req(&f, id, 2, 3), 0);
	assert_int_equal(f.vq.num_free, 0);
	assert_int_equal(add_req(&f, 4, 2, 3), -ENOSPC);
	assert_int_equal(add_req(&f, 4, 1, 0), -ENOSPC);
	assert_int_equal(f.vq.full, 2);
	fix_free(&f);
}

/* Fill a ring of 16 with chains of 1-3 buffers (direct); returns how
 * many were added, their ids and lengths in ids[] and nbuf[]. */
static unsigned fill_mixed(struct fix *f, unsigned first, unsigned *ids,
			   unsigned *nbuf)
{
	unsigned n = 0;

	for (unsigned k = 0;; k++) {
		unsigned id = (first + k) % NREQ, nb = 1 + (first + k) % 3;

		if (add_req(f, id, nb - nb / 2, nb / 2) == -ENOSPC)
			break;
		ids[n] = id;
		nbuf[n++] = nb;
	}
	return n;
}

/* The device takes all n and completes them in the order perm gives;
 * the driver gets each cookie back as completed. */
static void complete_in(struct fix *f, unsigned n, const unsigned *ids,
			const unsigned *nbuf, const unsigned *perm)
{
	struct req r[16];

	drv_virtq_kick_needed(&f->vq);
	for (unsigned i = 0; i < n; i++) {
		assert_true(sim_pop(&f->dev, &r[i]));
		assert_int_equal(
			check_req(&r[i], nbuf[i] - nbuf[i] / 2, nbuf[i] / 2),
			ids[i]);
	}
	assert_false(sim_pop(&f->dev, &r[0]));
	for (unsigned i = 0; i < n; i++)
		sim_put(&f->dev, r[perm[i]].head, 100 + perm[i]);
	for (unsigned i = 0; i < n; i++) {
		uint32_t len;

		assert_int_equal(id_of(drv_virtq_get(&f->vq, &len)),
				 ids[perm[i]]);
		assert_int_equal(len, 100 + perm[i]);
	}
	assert_null(drv_virtq_get(&f->vq, NULL));
}

static void shuffle(unsigned *p, unsigned n, unsigned seed)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = i;
	for (unsigned i = n; i > 1; i--) {
		unsigned j, t;

		seed = seed * 1103515245u + 12345u;
		j = (seed >> 16) % i;
		t = p[i - 1];
		p[i - 1] = p[j];
		p[j] = t;
	}
}

/* Out-of-order completion: reverse, then shuffled rounds; cookies and
 * descriptors come back right and the whole ring is usable after. */
static void test_out_of_order(void **state)
{
	unsigned ids[16], nbuf[16], perm[16], n, first = 0;
	struct fix f;
	struct req r;

	(void)state;
	fix_init(&f, 16, 0, 0);
	n = fill_mixed(&f, first, ids, nbuf);
	assert_true(n >= 8);
	for (unsigned i = 0; i < n; i++)
		perm[i] = n - 1 - i;
	complete_in(&f, n, ids, nbuf, perm);
	assert_int_equal(f.vq.num_free, 16);
	for (unsigned round = 1; round < 200; round++) {
		first += n;
		n = fill_mixed(&f, first, ids, nbuf);
		shuffle(perm, n, round);
		complete_in(&f, n, ids, nbuf, perm);
		assert_int_equal(f.vq.num_free, 16);
	}
	for (unsigned id = 0; id < 16; id++) /* every descriptor free */
		assert_int_equal(add_req(&f, id, 1, 0), 0);
	drv_virtq_kick_needed(&f.vq);
	for (unsigned id = 0; id < 16; id++) {
		assert_true(sim_pop(&f.dev, &r));
		assert_int_equal(check_req(&r, 1, 0), id);
	}
	fix_free(&f);
}

/* A direct chain: buffers in order, NEXT on all but the last, WRITE on
 * the device-writable ones. */
static void test_chain_flags(void **state)
{
	static const unsigned shapes[][2] = {
		{ 2, 3 }, { 0, 2 }, { 3, 0 }, { 1, 1 }
	};
	struct fix f;
	struct req r;

	(void)state;
	fix_init(&f, 16, 0, 0);
	for (unsigned s = 0; s < 4; s++) {
		unsigned nout = shapes[s][0], nin = shapes[s][1];
		uint16_t d;

		assert_int_equal(add_req(&f, s, nout, nin), 0);
		drv_virtq_kick_needed(&f.vq);
		assert_true(sim_pop(&f.dev, &r));
		assert_false(r.indirect);
		assert_int_equal(check_req(&r, nout, nin), s);
		d = r.head;
		for (unsigned j = 0; j < nout + nin; j++) {
			uint16_t fl = f.dev.desc[d].flags;

			assert_int_equal(!!(fl & VIRTQ_DESC_F_NEXT),
					 j + 1 < nout + nin);
			assert_int_equal(!!(fl & VIRTQ_DESC_F_WRITE),
					 j >= nout);
			d = f.dev.desc[d].next;
		}
		sim_put(&f.dev, r.head, 0);
		assert_int_equal(id_of(drv_virtq_get(&f.vq, NULL)), s);
	}
	assert_int_equal(f.vq.num_free, 16);
	fix_free(&f);
}

/* Indirect tables when the queue has them, for 2..VIRTQ_INDIRECT_MAX
 * buffers; a single buffer or a longer request goes direct. */
static void test_indirect(void **state)
{
	struct fix f;
	struct req r;

	(void)state;
	fix_init(&f, 32, 1, 0);
	assert_int_equal(add_req(&f, 0, 2, 3), 0);
	assert_int_equal(f.vq.num_free, 31);
	assert_int_equal(add_req(&f, 1, 1, 0), 0);
	assert_int_equal(add_req(&f, 2, 8, 8), 0);
	assert_int_equal(add_req(&f, 3, 9, 8), 0); /* 17 > 16: direct */
	assert_int_equal(f.vq.num_free, 32 - 1 - 1 - 1 - 17);
	drv_virtq_kick_needed(&f.vq);
	assert_true(sim_pop(&f.dev, &r));
	assert_true(r.indirect);
	assert_int_equal(f.dev.desc[r.head].flags, VIRTQ_DESC_F_INDIRECT);
	assert_int_equal(f.dev.desc[r.head].len, 5 * sizeof(struct virtq_desc));
	assert_int_equal(check_req(&r, 2, 3), 0);
	assert_true(sim_pop(&f.dev, &r));
	assert_false(r.indirect);
	assert_int_equal(check_req(&r, 1, 0), 1);
	assert_true(sim_pop(&f.dev, &r));
	assert_true(r.indirect);
	assert_int_equal(check_req(&r, 8, 8), 2);
	assert_true(sim_pop(&f.dev, &r));
	assert_false(r.indirect);
	assert_int_equal(check_req(&r, 9, 8), 3);
	fix_free(&f);

	fix_init(&f, 32, 0, 0); /* no tables: always direct */
	assert_int_equal(add_req(&f, 0, 2, 3), 0);
	assert_int_equal(f.vq.num_free, 27);
	drv_virtq_kick_needed(&f.vq);
	assert_true(sim_pop(&f.dev, &r));
	assert_false(r.indirect);
	assert_int_equal(check_req(&r, 2, 3), 0);
	fix_free(&f);
}

/* Without EVENT_IDX the device declines notifications with
 * VIRTQ_USED_F_NO_NOTIFY; kick_needed follows it exactly. */
static void test_notify_flag(void **state)
{
	struct fix f;

	(void)state;
	fix_init(&f, 16, 0, 0);
	assert_int_equal(drv_virtq_kick_needed(&f.vq), 0); /* nothing new */
	assert_int_equal(f.vq.notifications + f.vq.suppressed, 0);
	add_req(&f, 0, 1, 0);
	assert_int_equal(drv_virtq_kick_needed(&f.vq), 1);
	assert_int_equal(f.dev.avail->idx, 1); /* published */
	f.dev.used->flags = VIRTQ_USED_F_NO_NOTIFY;
	add_req(&f, 1, 1, 0);
	add_req(&f, 2, 1, 0);
	assert_int_equal(drv_virtq_kick_needed(&f.vq), 0);
	assert_int_equal(f.dev.avail->idx, 3);
	f.dev.used->flags = 0;
	assert_int_equal(drv_virtq_kick_needed(&f.vq), 0); /* nothing new */
	add_req(&f, 3, 1, 0);
	assert_int_equal(drv_virtq_kick_needed(&f.vq), 1);
	assert_int_equal(f.vq.notifications, 2);
	assert_int_equal(f.vq.suppressed, 1);
	fix_free(&f);
}

/* With EVENT_IDX the device names the available entry it wants to hear
 * about (avail_event); random requests across the index's wrap. */
static void test_notify_event_idx(void **state)
{
	uint64_t asked = 0, not_asked = 0;
	unsigned seed = 7;
	struct fix f;
	struct req r;

	(void)state;
	fix_init(&f, 8, 0, 1);
	for (unsigned step = 0; step < 70000; step++) {
		uint16_t old = f.dev.avail->idx;
		unsigned batch;
		int want;

		seed = seed * 1103515245u + 12345u;
		batch = 1 + (seed >> 16) % 3;
		*sim_avail_event(&f.dev) =
			(uint16_t)(f.dev.last_avail + (seed >> 20) % 5 - 1);
		for (unsigned i = 0; i < batch; i++)
			add_req(&f, i, 1, 0);
		want = sim_asked(&f.dev, old, (uint16_t)(old + batch));
		assert_int_equal(drv_virtq_kick_needed(&f.vq), want);
		if (want)
			asked++;
		else
			not_asked++;
		while (sim_pop(&f.dev, &r))
			sim_put(&f.dev, r.head, 0);
		while (drv_virtq_get(&f.vq, NULL))
			;
	}
	assert_true(asked > 1000 && not_asked > 1000);
	assert_int_equal(f.vq.notifications, asked);
	assert_int_equal(f.vq.suppressed, not_asked);
	fix_free(&f);
}

/* A device that missed a notification: the entries were published while
 * its avail_event still named an index it had passed (it set the new one
 * and read the ring's index without seeing them), so by the event index
 * it asks to hear of none of them and waits, the ring full. Found full,
 * drv_virtq_kick_full notifies it all the same, once per request it
 * finished since, and counts that as a notification. */
static void test_kick_full_missed(void **state)
{
	struct fix f;
	struct req r;

	(void)state;
	fix_init(&f, 8, 0, 1);
	*sim_avail_event(&f.dev) = 0xfff0; /* passed long since */
	for (unsigned id = 0; id < 8; id += 2) {
		assert_int_equal(add_req(&f, id, 1, 0), 0);
		assert_int_equal(add_req(&f, id + 1, 1, 0), 0);
		assert_int_equal(drv_virtq_kick_needed(&f.vq), 0);
	}
	assert_int_equal(add_req(&f, 8, 1, 0), -ENOSPC);
	assert_int_equal(drv_virtq_kick_full(&f.vq), 1);
	assert_int_equal(drv_virtq_kick_full(&f.vq), 0); /* heard already */
	assert_int_equal(f.vq.notifications, 1);
	assert_int_equal(f.vq.suppressed, 4);
	/* notified, the device takes them all and finishes one */
	for (unsigned i = 0; i < 8; i++)
		assert_true(sim_pop(&f.dev, &r));
	sim_put(&f.dev, 0, 0);
	assert_non_null(drv_virtq_get(&f.vq, NULL));
	assert_int_equal(add_req(&f, 0, 1, 0), 0);
	assert_int_equal(add_req(&f, 8, 1, 0), -ENOSPC);
	assert_int_equal(drv_virtq_kick_full(&f.vq), 1); /* new since */
	assert_int_equal(drv_virtq_kick_full(&f.vq), 0);
	assert_int_equal(f.vq.notifications, 2);
	assert_int_equal(f.vq.suppressed, 4);
	fix_free(&f);
}

/* When the device asks for the notification, drv_virtq_kick_full says
 * so like drv_virtq_kick_needed, counted once; then, nothing finished,
 * no more. */
static void test_kick_full_asked(void **state)
{
	struct fix f;

	(void)state;
	fix_init(&f, 4, 0, 1);
	*sim_avail_event(&f.dev) = 0;
	for (unsigned id = 0; id < 4; id++)
		assert_int_equal(add_req(&f, id, 1, 0), 0);
	assert_int_equal(drv_virtq_kick_full(&f.vq), 1);
	assert_int_equal(drv_virtq_kick_full(&f.vq), 0);
	assert_int_equal(f.vq.notifications, 1);
	assert_int_equal(f.vq.suppressed, 0);
	fix_free(&f);
}

/* Add, publish and have the device take n single-buffer requests. */
static void start_n(struct fix *f, unsigned n, struct req *r)
{
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(add_req(f, i, 0, 1), 0);
	drv_virtq_kick_needed(&f->vq);
	for (unsigned i = 0; i < n; i++)
		assert_true(sim_pop(&f->dev, &r[i]));
}

/* Without EVENT_IDX: VIRTQ_AVAIL_F_NO_INTERRUPT from disable_cb. */
static void test_interrupt_flag(void **state)
{
	struct fix f;
	struct req r[8];

	(void)state;
	fix_init(&f, 8, 0, 0);
	start_n(&f, 4, r);
	assert_true(sim_push(&f.dev, r[0].head, 0));
	drv_virtq_disable_cb(&f.vq);
	assert_false(sim_push(&f.dev, r[1].head, 0));
	assert_int_equal(drv_virtq_enable_cb(&f.vq), 1); /* arrived */
	while (drv_virtq_get(&f.vq, NULL))
		;
	assert_int_equal(drv_virtq_enable_cb(&f.vq), 0); /* nothing new */
	assert_true(sim_push(&f.dev, r[2].head, 0));
	drv_virtq_disable_cb(&f.vq);
	while (drv_virtq_get(&f.vq, NULL))
		;
	assert_false(sim_push(&f.dev, r[3].head, 0));
	assert_int_equal(f.dev.interrupts, 2);
	assert_int_equal(f.dev.withheld, 2);
	fix_free(&f);
}

/* With EVENT_IDX: used_event asks for one interrupt after the entries
 * the driver has taken; disable_cb after an interrupt keeps the rest
 * quiet until enable_cb. */
static void test_interrupt_event_idx(void **state)
{
	struct fix f;
	struct req r[8];

	(void)state;
	fix_init(&f, 8, 0, 1);
	start_n(&f, 8, r);
	assert_int_equal(drv_virtq_enable_cb(&f.vq), 0);
	assert_true(sim_push(&f.dev, r[0].head, 0));  /* entry 0 wanted */
	assert_false(sim_push(&f.dev, r[1].head, 0)); /* not taken yet */
	assert_non_null(drv_virtq_get(&f.vq, NULL));
	assert_non_null(drv_virtq_get(&f.vq, NULL));
	assert_null(drv_virtq_get(&f.vq, NULL));
	assert_true(sim_push(&f.dev, r[2].head, 0)); /* the next one */
	drv_virtq_disable_cb(&f.vq); /* the interrupt's handler */
	assert_non_null(drv_virtq_get(&f.vq, NULL));
	assert_false(sim_push(&f.dev, r[3].head, 0));
	assert_non_null(drv_virtq_get(&f.vq, NULL));
	assert_false(sim_push(&f.dev, r[4].head, 0));
	assert_int_equal(drv_virtq_enable_cb(&f.vq), 1); /* entry 4 came */
	assert_non_null(drv_virtq_get(&f.vq, NULL));
	assert_int_equal(drv_virtq_enable_cb(&f.vq), 0);
	{ /* a batch: one interrupt for entries 5 and 6 */
		uint16_t old = f.dev.used_idx;

		sim_put(&f.dev, r[5].head, 0);
		sim_put(&f.dev, r[6].head, 0);
		assert_true(sim_signal(&f.dev, old));
	}
	assert_int_equal(f.dev.interrupts, 3);
	assert_int_equal(f.dev.withheld, 3);
	fix_free(&f);
}

/* With EVENT_IDX, disable_cb while idle (every used entry taken, so
 * used_event names the next one) keeps the next used buffer from
 * interrupting, as it does without EVENT_IDX: used_event moves behind
 * (last_used - 1). */
static void test_disable_cb_idle_event_idx(void **state)
{
	struct fix f;
	struct req r[2];
	int fired;

	(void)state;
	fix_init(&f, 8, 0, 1);
	start_n(&f, 2, r);
	drv_virtq_disable_cb(&f.vq);
	fired = sim_push(&f.dev, r[0].head, 0);
	fix_free(&f);
	assert_false(fired);
}

/* A broken device: ids out of range, of free descriptors, or completed
 * twice are ignored; the ring stays consistent. */
static void test_bad_id(void **state)
{
	struct fix f;
	struct req r[2];

	(void)state;
	fix_init(&f, 8, 0, 1);
	start_n(&f, 2, r);
	sim_put(&f.dev, 8, 0); /* out of range */
	sim_put(&f.dev, 0xffff, 0);
	sim_put(&f.dev, 5, 0); /* a free descriptor */
	sim_put(&f.dev, r[0].head, 3);
	sim_put(&f.dev, r[0].head, 3); /* twice */
	sim_put(&f.dev, r[1].head, 4);
	/* the bad entries are skipped: the good ones come out in order */
	assert_int_equal(id_of(drv_virtq_get(&f.vq, NULL)), 0);
	assert_int_equal(id_of(drv_virtq_get(&f.vq, NULL)), 1);
	assert_false(drv_virtq_has_used(&f.vq));
	assert_int_equal(f.vq.num_free, 8);
	for (unsigned id = 0; id < 8; id++) /* all usable again */
		assert_int_equal(add_req(&f, id, 1, 0), 0);
	assert_int_equal(add_req(&f, 8, 1, 0), -ENOSPC);
	fix_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_wraparound),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_full_indirect),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_chain_flags),
		cmocka_unit_test(test_indirect),
		cmocka_unit_test(test_notify_flag),
		cmocka_unit_test(test_notify_event_idx),
		cmocka_unit_test(test_kick_full_missed),
		cmocka_unit_test(test_kick_full_asked),
		cmocka_unit_test(test_interrupt_flag),
		cmocka_unit_test(test_interrupt_event_idx),
		cmocka_unit_test(test_disable_cb_idle_event_idx),
		cmocka_unit_test(test_bad_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
