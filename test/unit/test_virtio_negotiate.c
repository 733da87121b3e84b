/* Unit tests of the transport-independent virtio code
 * (drivers/virtio/virtio.c): feature negotiation for modern and legacy
 * devices, and, through a mock transport that records every status
 * write, the initialisation steps of the spec's 3.1.1 (reset,
 * ACKNOWLEDGE, DRIVER, features, FEATURES_OK and its check, FAILED),
 * a reset that never finishes (given up after 1 s of a simulated clock),
 * configuration reads kept inside the configuration space, queue
 * creation, DRIVER_OK, kicks and the driver table. The kernel functions
 * virtio.c calls (kern_log, kern_mm_alloc/free, kern_clock_ns) are
 * stubbed here. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <drv/virtio.h>
#include <kern/console.h>
#include <kern/mm.h>

#define V1 VIRTIO_F_VERSION_1
#define ACK VIRTIO_STATUS_ACKNOWLEDGE
#define DRIVER VIRTIO_STATUS_DRIVER
#define FEATURES_OK VIRTIO_STATUS_FEATURES_OK
#define FAILED VIRTIO_STATUS_FAILED
#define MAX_ALLOCS 16

/* ---- kernel stubs ---- */

static char last_log[256];
static int nlogs;
static void *allocs[MAX_ALLOCS];
static int nallocs;

void kern_log(enum kern_log_level level, const char *fmt, ...)
{
	va_list ap;

	(void)level;
	va_start(ap, fmt);
	vsnprintf(last_log, sizeof(last_log), fmt, ap);
	va_end(ap);
	nlogs++;
}

void *kern_mm_alloc(size_t n)
{
	void *p = aligned_alloc(4096, n * 4096);

	assert_non_null(p);
	assert_true(nallocs < MAX_ALLOCS);
	memset(p, 0, n * 4096);
	allocs[nallocs++] = p;
	return p;
}

void kern_mm_free(void *p, size_t n)
{
	(void)n;
	for (int i = 0; i < nallocs; i++)
		if (allocs[i] == p) {
			free(p);
			allocs[i] = allocs[--nallocs];
			return;
		}
	fail_msg("kern_mm_free of %p, which kern_mm_alloc did not give", p);
}

static void free_allocs(void)
{
	while (nallocs)
		free(allocs[--nallocs]);
}

/* A simulated clock: every reading is CLOCK_STEP later than the last. */
#define CLOCK_STEP 1000000ULL /* 1 ms */
static uint64_t now;
static unsigned long clock_reads;

uint64_t kern_clock_ns(void)
{
	clock_reads++;
	return now += CLOCK_STEP;
}

/* ---- the mock transport ---- */

struct mock {
	struct drv_virtio_dev dev;
	uint8_t status;
	uint8_t writes[16]; /* status values written, in order */
	int nwrites;
	uint64_t device_features, driver_features;
	int features_written;
	int refuse; /* clear FEATURES_OK when the driver sets it */
	int stuck;  /* a reset never finishes: the status keeps reading 0x0f */
	int reset_reads; /* reads of the status that still show the
			    old value after a reset */
	unsigned long status_reads;
	int config_reads;
	int queue_error; /* queue_enable returns it */
	uint16_t qmax[DRV_VIRTIO_MAX_QUEUES];
	struct drv_virtq *enabled[DRV_VIRTIO_MAX_QUEUES];
	int notified;
};

static struct mock *mk(struct drv_virtio_dev *d)
{
	return d->transport;
}

/* A reset in progress shows the old status (0x0f) until reset_reads
 * reads have passed; forever when stuck. */
static uint8_t m_get_status(struct drv_virtio_dev *d)
{
	struct mock *m = mk(d);

	if (++m->status_reads > 10000000)
		fail_msg("the status was read 10^7 times: an unbounded wait");
	if (m->status == 0 && (m->stuck || m->reset_reads > 0)) {
		m->reset_reads--;
		return 0x0f;
	}
	return m->status;
}

static void m_set_status(struct drv_virtio_dev *d, uint8_t status)
{
	struct mock *m = mk(d);

	assert_true(m->nwrites < 16);
	m->writes[m->nwrites++] = status;
	if (m->refuse)
		status &= (uint8_t)~FEATURES_OK;
	m->status = status;
	if (status == 0) { /* a reset forgets the features */
		m->driver_features = 0;
		m->features_written = 0;
	}
}

static uint64_t m_get_features(struct drv_virtio_dev *d)
{
	return mk(d)->device_features;
}

static void m_set_features(struct drv_virtio_dev *d, uint64_t features)
{
	/* 3.1.1: only after DRIVER, never after FEATURES_OK */
	assert_true(mk(d)->status & DRIVER);
	assert_false(mk(d)->status & FEATURES_OK);
	mk(d)->driver_features = features;
	mk(d)->features_written++;
}

static void m_read_config(struct drv_virtio_dev *d, unsigned off, void *buf,
			  unsigned len)
{
	(void)off;
	mk(d)->config_reads++;
	memset(buf, 0, len);
}

static uint16_t m_queue_max(struct drv_virtio_dev *d, unsigned q)
{
	return q < DRV_VIRTIO_MAX_QUEUES ? mk(d)->qmax[q] : 0;
}

static int m_queue_enable(struct drv_virtio_dev *d, struct drv_virtq *vq)
{
	if (mk(d)->queue_error)
		return mk(d)->queue_error;
	mk(d)->enabled[vq->index] = vq;
	return 0;
}

static void m_notify(struct drv_virtio_dev *d, struct drv_virtq *vq)
{
	(void)vq;
	mk(d)->notified++;
}

static int m_irq_attach(struct drv_virtio_dev *d, unsigned q, kern_irq_fn fn,
			void *arg)
{
	(void)d;
	(void)q;
	(void)fn;
	(void)arg;
	return 0;
}

static const struct drv_virtio_ops mock_ops = {
	m_get_status,	m_set_status,  m_get_features,
	m_set_features, m_read_config, m_queue_max,
	m_queue_enable, m_notify,      m_irq_attach,
};

static void mock_init(struct mock *m, uint64_t features, int legacy)
{
	memset(m, 0, sizeof(*m));
	m->dev.ops = &mock_ops;
	m->dev.transport = m;
	m->dev.transport_name = "mock";
	strcpy(m->dev.name, "virtio-rng at mock");
	m->dev.device_id = VIRTIO_ID_RNG;
	m->dev.legacy = legacy;
	m->device_features = features;
	m->status = 0x0f; /* left over from a previous driver */
}

static void assert_writes(const struct mock *m, const uint8_t *want, int n)
{
	assert_int_equal(m->nwrites, n);
	assert_memory_equal(m->writes, want, (size_t)n);
}

/* ---- negotiation ---- */

/* Modern: the intersection, VERSION_1 required and kept, high bits too. */
static void test_negotiate_modern(void **state)
{
	uint64_t dev = V1 | VIRTIO_F_INDIRECT_DESC | VIRTIO_F_EVENT_IDX | 1;
	uint64_t out = 0;

	(void)state;
	assert_int_equal(drv_virtio_negotiate(
				 dev, VIRTIO_F_INDIRECT_DESC | 1 << 5, 0, &out),
			 0);
	assert_int_equal(out, V1 | VIRTIO_F_INDIRECT_DESC);
	assert_int_equal(drv_virtio_negotiate(dev, 0, 0, &out), 0);
	assert_int_equal(out, V1); /* kept even when not asked for */
	assert_int_equal(drv_virtio_negotiate(dev, ~0ULL, 0, &out), 0);
	assert_int_equal(out, dev);
	assert_int_equal(drv_virtio_negotiate(dev | VIRTIO_F_ACCESS_PLATFORM,
					      VIRTIO_F_ACCESS_PLATFORM, 0,
					      &out),
			 0);
	assert_int_equal(out, V1 | VIRTIO_F_ACCESS_PLATFORM);
	assert_int_equal(
		drv_virtio_negotiate(dev, VIRTIO_F_ACCESS_PLATFORM, 0, &out),
		0);
	assert_int_equal(out, V1); /* not offered: not taken */
	assert_int_equal(drv_virtio_negotiate(dev & ~V1, ~0ULL, 0, &out),
			 -ENOTSUP);
}

/* Legacy: the intersection of the low 32 bits; VERSION_1 not needed. */
static void test_negotiate_legacy(void **state)
{
	uint64_t out = 1;

	(void)state;
	assert_int_equal(drv_virtio_negotiate(~0ULL,
					      V1 | VIRTIO_F_ACCESS_PLATFORM |
						      VIRTIO_F_EVENT_IDX | 2,
					      1, &out),
			 0);
	assert_int_equal(out, VIRTIO_F_EVENT_IDX | 2);
	assert_int_equal(drv_virtio_negotiate(VIRTIO_F_INDIRECT_DESC,
					      VIRTIO_F_INDIRECT_DESC, 1, &out),
			 0);
	assert_int_equal(out, VIRTIO_F_INDIRECT_DESC);
	assert_int_equal(drv_virtio_negotiate(0xffffffffULL, 0, 1, &out), 0);
	assert_int_equal(out, 0);
}

/* ---- drv_virtio_start ---- */

static void test_start_modern(void **state)
{
	static const uint8_t want[] = { 0, ACK, ACK | DRIVER,
					ACK | DRIVER | FEATURES_OK };
	struct mock m;

	(void)state;
	mock_init(&m, V1 | VIRTIO_F_EVENT_IDX | 1 << 3, 0);
	assert_int_equal(drv_virtio_start(&m.dev, VIRTIO_F_EVENT_IDX | 1), 0);
	assert_writes(&m, want, 4);
	assert_int_equal(m.features_written, 1);
	assert_int_equal(m.driver_features, V1 | VIRTIO_F_EVENT_IDX);
	assert_int_equal(m.dev.features, V1 | VIRTIO_F_EVENT_IDX);
	assert_int_equal(m.status, ACK | DRIVER | FEATURES_OK);
}

/* The device clears FEATURES_OK: FAILED, -EIO, a log line. */
static void test_start_refused(void **state)
{
	static const uint8_t want[] = { 0, ACK, ACK | DRIVER,
					ACK | DRIVER | FEATURES_OK,
					ACK | DRIVER | FAILED };
	struct mock m;

	(void)state;
	mock_init(&m, V1 | VIRTIO_F_EVENT_IDX, 0);
	m.refuse = 1;
	nlogs = 0;
	assert_int_equal(drv_virtio_start(&m.dev, VIRTIO_F_EVENT_IDX), -EIO);
	assert_writes(&m, want, 5);
	assert_true(m.status & FAILED);
	assert_int_equal(nlogs, 1);
	assert_non_null(strstr(last_log, "virtio-rng at mock"));
	assert_non_null(strstr(last_log, "refused"));
}

/* A modern device without VERSION_1: FAILED before any feature write. */
static void test_start_no_version1(void **state)
{
	static const uint8_t want[] = { 0, ACK, ACK | DRIVER,
					ACK | DRIVER | FAILED };
	struct mock m;

	(void)state;
	mock_init(&m, VIRTIO_F_EVENT_IDX, 0);
	assert_int_equal(drv_virtio_start(&m.dev, VIRTIO_F_EVENT_IDX),
			 -ENOTSUP);
	assert_writes(&m, want, 4);
	assert_int_equal(m.features_written, 0);
}

/* Legacy: features are the low 32 bits; there is no FEATURES_OK. */
static void test_start_legacy(void **state)
{
	static const uint8_t want[] = { 0, ACK, ACK | DRIVER };
	struct mock m;

	(void)state;
	mock_init(&m, 0xffffffffULL, 1);
	assert_int_equal(
		drv_virtio_start(&m.dev, V1 | VIRTIO_F_INDIRECT_DESC | 1 << 5),
		0);
	assert_writes(&m, want, 3);
	assert_int_equal(m.driver_features, VIRTIO_F_INDIRECT_DESC | 1 << 5);
	assert_int_equal(m.dev.features, VIRTIO_F_INDIRECT_DESC | 1 << 5);
	assert_int_equal(m.status, ACK | DRIVER);
}

/* A chooser's choice: seen by it the device's offer, after DRIVER. */
static uint64_t chooser_saw;
static uint8_t chooser_status;
static struct mock *chooser_mock;

static uint64_t chooser(uint64_t offered)
{
	chooser_saw = offered;
	chooser_status = chooser_mock->status;
	return offered & (1 << 7 | VIRTIO_F_EVENT_IDX); /* "7 if offered" */
}

/* drv_virtio_start_choose: the wanted features are what the chooser
 * makes of the offer, read after DRIVER; then as drv_virtio_start. */
static void test_start_choose(void **state)
{
	static const uint8_t want[] = { 0, ACK, ACK | DRIVER,
					ACK | DRIVER | FEATURES_OK };
	struct mock m;

	(void)state;
	mock_init(&m, V1 | VIRTIO_F_EVENT_IDX | 1 << 7 | 1 << 3, 0);
	chooser_mock = &m;
	chooser_saw = 0;
	assert_int_equal(drv_virtio_start_choose(&m.dev, chooser), 0);
	assert_int_equal(chooser_saw,
			 V1 | VIRTIO_F_EVENT_IDX | 1 << 7 | 1 << 3);
	assert_int_equal(chooser_status, ACK | DRIVER);
	assert_writes(&m, want, 4);
	assert_int_equal(m.driver_features, V1 | VIRTIO_F_EVENT_IDX | 1 << 7);
	assert_int_equal(m.dev.features, V1 | VIRTIO_F_EVENT_IDX | 1 << 7);
	mock_init(&m, 0xffffffffULL & ~(1ULL << 7), 1); /* legacy, no 7 */
	chooser_mock = &m;
	assert_int_equal(drv_virtio_start_choose(&m.dev, chooser), 0);
	assert_int_equal(m.dev.features, VIRTIO_F_EVENT_IDX);
}

/* ---- the reset ---- */

/* A device whose status never reads 0 after the reset: given up after
 * DRV_VIRTIO_RESET_NS of the (simulated) kernel clock, not waited for
 * forever; FAILED written, a log line, no ACKNOWLEDGE. */
static void test_reset_never_done(void **state)
{
	struct mock m;
	uint64_t t0;

	(void)state;
	mock_init(&m, V1, 0);
	m.stuck = 1;
	nlogs = 0;
	t0 = now;
	clock_reads = 0;
	assert_int_equal(drv_virtio_start(&m.dev, 0), -ETIMEDOUT);
	assert_true(now - t0 >= DRV_VIRTIO_RESET_NS);
	assert_true(now - t0 <= DRV_VIRTIO_RESET_NS + 2 * CLOCK_STEP);
	assert_true(clock_reads <= DRV_VIRTIO_RESET_NS / CLOCK_STEP + 2);
	assert_int_equal(m.nwrites, 2); /* the reset, then FAILED only */
	assert_int_equal(m.writes[0], 0);
	assert_int_equal(m.writes[1] & FAILED, FAILED);
	assert_int_equal(nlogs, 1);
	assert_non_null(strstr(last_log, "virtio-rng at mock"));
	assert_non_null(strstr(last_log, "reset not done"));
	assert_int_equal(m.features_written, 0);
}

/* A reset that takes a few reads is waited for, within the bound. */
static void test_reset_slow(void **state)
{
	static const uint8_t want[] = { 0, ACK, ACK | DRIVER,
					ACK | DRIVER | FEATURES_OK };
	struct mock m;

	(void)state;
	mock_init(&m, V1, 0);
	m.reset_reads = 5;
	nlogs = 0;
	assert_int_equal(drv_virtio_start(&m.dev, 0), 0);
	assert_writes(&m, want, 4);
	assert_int_equal(m.reset_reads, 0); /* read until it showed 0 */
	assert_int_equal(nlogs, 0);
}

/* ---- configuration reads ---- */

/* Reads inside config_len reach the transport; one reaching past it
 * (or wrapping around) does not: FAILED, -EIO, a log line with the
 * offsets. */
static void test_config_bounds(void **state)
{
	uint8_t buf[16];
	struct mock m;

	(void)state;
	mock_init(&m, V1, 0);
	m.status = ACK | DRIVER;
	m.dev.config_len = 8;
	assert_int_equal(drv_virtio_config(&m.dev, 0, buf, 8), 0);
	assert_int_equal(drv_virtio_config(&m.dev, 6, buf, 2), 0);
	assert_int_equal(drv_virtio_config(&m.dev, 8, buf, 0), 0);
	assert_int_equal(m.config_reads, 3);
	assert_false(m.status & FAILED);
	nlogs = 0;
	assert_int_equal(drv_virtio_config(&m.dev, 6, buf, 4), -EIO);
	assert_true(m.status & FAILED);
	assert_int_equal(nlogs, 1);
	assert_non_null(strstr(last_log, "4 bytes at 6"));
	assert_non_null(strstr(last_log, "past its 8 bytes"));
	assert_int_equal(drv_virtio_config(&m.dev, 9, buf, 0), -EIO);
	assert_int_equal(drv_virtio_config(&m.dev, 0xfffffffeu, buf, 4), -EIO);
	assert_int_equal(drv_virtio_config(&m.dev, 4, buf, 0xfffffffeu), -EIO);
	assert_int_equal(m.config_reads, 3);
	m.dev.config_len = 0; /* a device without a configuration */
	assert_int_equal(drv_virtio_config(&m.dev, 0, buf, 1), -EIO);
	assert_int_equal(m.config_reads, 3);
}

/* ---- queues, DRIVER_OK, kicks ---- */

/* The transport refuses the queue (say, its notification address is out
 * of range): its error is returned and its memory given back. */
static void test_queue_refused(void **state)
{
	struct drv_virtq vq;
	struct mock m;

	(void)state;
	mock_init(&m, V1, 0);
	m.qmax[0] = 16;
	m.queue_error = -ERANGE;
	assert_int_equal(drv_virtio_start(&m.dev, 0), 0);
	assert_int_equal(drv_virtio_queue(&m.dev, 0, 16, &vq), -ERANGE);
	assert_null(m.enabled[0]);
	assert_int_equal(nallocs, 0);
}

static void test_queue(void **state)
{
	struct drv_virtq vq0, vq1, vq2;
	struct mock m;

	(void)state;
	mock_init(&m, V1 | VIRTIO_F_INDIRECT_DESC | VIRTIO_F_EVENT_IDX, 0);
	m.qmax[0] = 256;
	m.qmax[1] = 16;
	assert_int_equal(drv_virtio_start(&m.dev, ~0ULL), 0);
	assert_int_equal(drv_virtio_queue(&m.dev, 0, 64, &vq0), 0);
	assert_int_equal(vq0.size, 64); /* our maximum */
	assert_int_equal(vq0.index, 0);
	assert_ptr_equal(m.enabled[0], &vq0);
	assert_non_null(vq0.indirect);
	assert_true(vq0.event_idx);
	assert_int_equal(drv_virtq_desc_addr(&vq0) % VIRTQ_ALIGN, 0);
	assert_int_equal(drv_virtio_queue(&m.dev, 1, 64, &vq1), 0);
	assert_int_equal(vq1.size, 16); /* the device's maximum */
	assert_int_equal(drv_virtio_queue(&m.dev, 2, 64, &vq2), -ENOENT);
	drv_virtio_ready(&m.dev);
	assert_int_equal(m.status,
			 ACK | DRIVER | FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	free_allocs();
}

/* Without the features: no indirect tables, no EVENT_IDX. A fixed size
 * (legacy virtio-pci) is the device's; one not a power of 2 fails. */
static void test_queue_sizes(void **state)
{
	struct drv_virtq vq;
	struct mock m;

	(void)state;
	mock_init(&m, 0xffffffffULL, 1);
	m.dev.fixed_queue_size = 1;
	m.qmax[0] = 256;
	m.qmax[1] = 100;
	assert_int_equal(drv_virtio_start(&m.dev, 0), 0);
	assert_int_equal(drv_virtio_queue(&m.dev, 0, 64, &vq), 0);
	assert_int_equal(vq.size, 256);
	assert_null(vq.indirect);
	assert_false(vq.event_idx);
	assert_int_equal(drv_virtio_queue(&m.dev, 1, 128, &vq), -EIO);
	assert_true(m.status & FAILED);
	free_allocs();
}

/* drv_virtio_kick notifies exactly when the ring says so, and counts. */
static void test_kick(void **state)
{
	static uint8_t buf[8];
	struct drv_sg sg = { buf, sizeof(buf) };
	struct drv_virtq vq;
	struct mock m;

	(void)state;
	mock_init(&m, V1, 0);
	m.qmax[0] = 8;
	assert_int_equal(drv_virtio_start(&m.dev, 0), 0);
	assert_int_equal(drv_virtio_queue(&m.dev, 0, 8, &vq), 0);
	drv_virtio_kick(&m.dev, &vq); /* nothing added */
	assert_int_equal(m.notified, 0);
	assert_int_equal(drv_virtq_add(&vq, &sg, 1, NULL, 0, buf), 0);
	drv_virtio_kick(&m.dev, &vq);
	assert_int_equal(m.notified, 1);
	vq.used->flags = VIRTQ_USED_F_NO_NOTIFY;
	assert_int_equal(drv_virtq_add(&vq, &sg, 1, NULL, 0, buf + 1), 0);
	drv_virtio_kick(&m.dev, &vq);
	assert_int_equal(m.notified, 1);
	assert_int_equal(m.dev.stats.notifications, 1);
	free_allocs();
}

/* ---- the driver table ---- */

static int probes, probe_result;

static int rng_probe(struct drv_virtio_dev *d)
{
	assert_int_equal(d->device_id, VIRTIO_ID_RNG);
	probes++;
	return probe_result;
}

static const struct drv_virtio_driver rng_driver = { "test-rng", VIRTIO_ID_RNG,
						     rng_probe };

/* A device goes to the driver of its id, and the outcome is logged; one
 * without a driver is left alone with -ENODEV. */
static void test_add_device(void **state)
{
	struct mock m;

	(void)state;
	assert_int_equal(drv_virtio_register(&rng_driver), 0);
	mock_init(&m, V1, 0);
	probe_result = 0;
	assert_int_equal(drv_virtio_add_device(&m.dev), 0);
	assert_int_equal(probes, 1);
	assert_non_null(strstr(last_log, "up"));
	probe_result = -EIO;
	assert_int_equal(drv_virtio_add_device(&m.dev), -EIO);
	assert_int_equal(probes, 2);
	assert_non_null(strstr(last_log, "failed"));
	m.dev.device_id = VIRTIO_ID_BLOCK;
	strcpy(m.dev.name, "virtio-blk at mock");
	assert_int_equal(drv_virtio_add_device(&m.dev), -ENODEV);
	assert_int_equal(probes, 2);
	assert_non_null(strstr(last_log, "no driver"));
	assert_string_equal(drv_virtio_id_name(VIRTIO_ID_NET), "virtio-net");
	assert_string_equal(drv_virtio_id_name(99), "virtio device");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negotiate_modern),
		cmocka_unit_test(test_negotiate_legacy),
		cmocka_unit_test(test_start_modern),
		cmocka_unit_test(test_start_refused),
		cmocka_unit_test(test_start_no_version1),
		cmocka_unit_test(test_start_legacy),
		cmocka_unit_test(test_start_choose),
		cmocka_unit_test(test_reset_never_done),
		cmocka_unit_test(test_reset_slow),
		cmocka_unit_test(test_config_bounds),
		cmocka_unit_test(test_queue_refused),
		cmocka_unit_test(test_queue),
		cmocka_unit_test(test_queue_sizes),
		cmocka_unit_test(test_kick),
		cmocka_unit_test(test_add_device),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
