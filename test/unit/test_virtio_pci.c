/* Unit tests of the virtio-pci transport's distrust of its device
 * (drivers/virtio/pci.c and pci_caps.c): a simulated virtio-pci function
 * (a configuration space with the vendor capabilities, a memory BAR that
 * is host memory holding the common configuration, ISR, device
 * configuration and notify structures) is offered to pci.c's probe, and
 * a small device driver drives it through virtio.c. Hostile capabilities
 * (short headers, structures past their BAR or too short, a BAR that is
 * not there, offsets that wrap) refuse the device before any driver
 * sees it; a queue whose notification address lies outside the notify
 * structure (directly or by overflow) and configuration reads past the
 * device configuration fail the device (FAILED) instead of writing or
 * reading out of bounds. The kernel below is stubbed here. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <drv/pci.h>
#include <drv/virtio.h>
#include <kern/clock.h>
#include <kern/console.h>
#include <kern/irq.h>
#include <kern/mm.h>

#include "pci_caps.h"
#include "pci_config.h"
#include "pci_transport.h"

#define BAR 4
#define BAR_SIZE 0x4000
#define COMMON_AT 0x0000
#define ISR_AT 0x1000
#define DEVICE_AT 0x2000
#define NOTIFY_AT 0x3000
#define CAP0 0x40
#define FAILED VIRTIO_STATUS_FAILED
#define DRIVER_OK VIRTIO_STATUS_DRIVER_OK

/* ---- kernel and PCI stubs ---- */

static char logs[4096];

void kern_log(enum kern_log_level level, const char *fmt, ...)
{
	size_t n = strlen(logs);
	va_list ap;

	(void)level;
	va_start(ap, fmt);
	vsnprintf(logs + n, sizeof(logs) - n, fmt, ap);
	va_end(ap);
	n = strlen(logs);
	if (n + 1 < sizeof(logs))
		strcat(logs, "\n");
}

static void *allocs[8];
static int nallocs;

void *kern_mm_alloc(size_t n)
{
	void *p = aligned_alloc(4096, n * 4096);

	assert_non_null(p);
	assert_true(nallocs < 8);
	memset(p, 0, n * 4096);
	return allocs[nallocs++] = p;
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

/* After each test: the queues it made. */
static int free_allocs(void **state)
{
	(void)state;
	while (nallocs)
		free(allocs[--nallocs]);
	return 0;
}

uint64_t kern_clock_ns(void)
{
	static uint64_t now;

	return now += 1000000;
}

/* The BAR is host memory: physical addresses are host addresses. */
void *kern_mm_map_device(uint64_t pa, size_t size)
{
	(void)size;
	return (void *)(uintptr_t)pa;
}

int drv_pci_msix_setup(struct drv_pci_dev *dev)
{
	(void)dev;
	return -ENODEV; /* INTx: the interrupt path is not under test */
}

int kern_irq_alloc_msi(kern_irq_fn fn, void *arg, uint64_t *addr,
		       uint32_t *data)
{
	(void)fn, (void)arg, (void)addr, (void)data;
	return -ENOSPC;
}

int vpci_legacy_init(struct vpci *v)
{
	(void)v;
	return -ENODEV; /* no I/O BAR0: no legacy interface */
}

int vpci_intx_attach(struct vpci *v, unsigned q, kern_irq_fn fn, void *arg)
{
	(void)v, (void)q, (void)fn, (void)arg;
	return 0;
}

static const struct drv_pci_driver *pci_driver;

int drv_pci_register(const struct drv_pci_driver *drv)
{
	pci_driver = drv;
	return 0;
}

/* ---- the simulated device ---- */

/* The common configuration as the device lays it out (4.1.4.3). */
struct common {
	uint32_t device_feature_select, device_feature;
	uint32_t driver_feature_select, driver_feature;
	uint16_t msix_config, num_queues;
	uint8_t device_status, config_generation;
	uint16_t queue_select, queue_size, queue_msix_vector, queue_enable;
	uint16_t queue_notify_off;
	uint64_t queue_desc, queue_driver, queue_device;
} __attribute__((packed));

static struct {
	uint8_t cfg[256];
	uint8_t *bar; /* BAR_SIZE bytes of host memory */
	struct drv_pci_dev p;
} sim;

static uint32_t sim_read(void *ctx, uint16_t bdf, unsigned off, unsigned width)
{
	uint32_t v = 0;

	(void)ctx, (void)bdf;
	assert_true(off + width <= sizeof(sim.cfg));
	memcpy(&v, sim.cfg + off, width);
	return v;
}

static void sim_write(void *ctx, uint16_t bdf, unsigned off, unsigned width,
		      uint32_t v)
{
	(void)ctx, (void)bdf;
	assert_true(off + width <= sizeof(sim.cfg));
	memcpy(sim.cfg + off, &v, width);
}

static const struct drv_pci_cfg sim_cfg = { sim_read, sim_write, NULL };

static struct common *common(void)
{
	return (struct common *)(sim.bar + COMMON_AT);
}

/* Write vendor capability number i (at CAP0 + 20 * i) for structure type
 * (cfg_type) in BAR bar: len bytes at off; cap_len its header's length,
 * mul the notify multiplier. */
static void put_cap(int i, uint8_t type, uint8_t bar, uint32_t off,
		    uint32_t len, uint8_t cap_len, uint32_t mul)
{
	uint8_t *c = sim.cfg + CAP0 + 20 * i;

	c[0] = DRV_PCI_CAP_VENDOR;
	c[2] = cap_len;
	c[3] = type;
	c[4] = bar;
	memcpy(c + 8, &off, 4);
	memcpy(c + 12, &len, 4);
	memcpy(c + 16, &mul, 4);
}

/* End the capability list after n capabilities, link them, decode. */
static void link_caps(int n)
{
	for (int i = 0; i < n; i++)
		sim.cfg[CAP0 + 20 * i + 1] =
			(uint8_t)(i + 1 < n ? CAP0 + 20 * (i + 1) : 0);
	sim.p.ncaps =
		drv_pci_caps_walk(&sim_cfg, 0x18, sim.p.cap, DRV_PCI_MAX_CAPS);
}

/* A well-behaved modern virtio-rng (device 0x1044) at 00:03.0 with its
 * four structures in a 64-bit memory BAR, notify multiplier 4, queue 0
 * of 16 entries notifying at offset 3. */
static void sim_init(void)
{
	memset(&sim.cfg, 0, sizeof(sim.cfg));
	if (!sim.bar)
		sim.bar = aligned_alloc(4096, BAR_SIZE);
	memset(sim.bar, 0, BAR_SIZE);
	memset(sim.bar + NOTIFY_AT, 0xee, 0x1000);
	memset(&sim.p, 0, sizeof(sim.p));
	sim.p.dev = 3;
	sim.p.vendor = 0x1af4;
	sim.p.device = 0x1044;
	sim.p.cfg = &sim_cfg;
	sim.p.bar[BAR] = (struct drv_pci_bar){ DRV_PCI_BAR_MEM64, 1,
					       (uintptr_t)sim.bar, BAR_SIZE };
	memcpy(sim.cfg, "\xf4\x1a\x44\x10", 4);
	sim.cfg[DRV_PCI_STATUS] = DRV_PCI_STATUS_CAPS;
	sim.cfg[DRV_PCI_CAP_PTR] = CAP0;
	put_cap(0, 1, BAR, COMMON_AT, 0x1000, 16, 0);
	put_cap(1, 3, BAR, ISR_AT, 0x1000, 16, 0);
	put_cap(2, 4, BAR, DEVICE_AT, 0x1000, 16, 0);
	put_cap(3, 2, BAR, NOTIFY_AT, 0x1000, 20, 4);
	link_caps(4);
	common()->device_feature = 1; /* both halves: VERSION_1 (bit 32) */
	common()->num_queues = 1;
	common()->queue_size = 16;
	common()->queue_notify_off = 3;
	logs[0] = '\0';
}

/* ---- a device driver for it ---- */

static struct {
	int probes, result;
	unsigned config_bytes; /* read at probe */
	struct drv_virtq vq;
} drv;

/* 3.1.1 as a driver does it: start, read the configuration, one queue,
 * DRIVER_OK, and a notification. */
static int sim_probe(struct drv_virtio_dev *d)
{
	static uint8_t buf[64];
	struct drv_sg sg = { buf, 8 };
	int r;

	drv.probes++;
	if ((r = drv_virtio_start(d, 0)) ||
	    (r = drv_virtio_config(d, 0, buf, drv.config_bytes)))
		return drv.result = r;
	if ((r = drv_virtio_queue(d, 0, 16, &drv.vq)))
		return drv.result = drv_virtio_fail(d, "no queue");
	drv_virtio_ready(d);
	assert_int_equal(drv_virtq_add(&drv.vq, &sg, 1, NULL, 0, buf), 0);
	drv_virtio_kick(d, &drv.vq);
	return drv.result = 0;
}

static const struct drv_virtio_driver sim_driver = { "sim-rng", VIRTIO_ID_RNG,
						     sim_probe };

static int setup(void **state)
{
	(void)state;
	assert_int_equal(drv_virtio_register(&sim_driver), 0);
	assert_int_equal(drv_virtio_pci_register(), 0);
	assert_non_null(pci_driver);
	return 0;
}

/* Offer the simulated function to virtio-pci; the probe's result. */
static int offer(unsigned config_bytes)
{
	memset(&drv, 0, sizeof(drv));
	drv.config_bytes = config_bytes;
	return pci_driver->probe(&sim.p);
}

/* The device was refused before any driver saw it: not claimed, a log
 * line naming the reason. */
static void assert_refused(const char *reason)
{
	assert_int_equal(offer(4), -ENODEV);
	assert_int_equal(drv.probes, 0);
	assert_non_null(strstr(logs, "device refused"));
	assert_non_null(strstr(logs, reason));
}

/* The driver ran and the device failed: FAILED set, no DRIVER_OK, the
 * probe's error, no queue told to the device. */
static void assert_failed(int err)
{
	assert_int_equal(drv.probes, 1);
	assert_int_equal(drv.result, err);
	assert_true(common()->device_status & FAILED);
	assert_false(common()->device_status & DRIVER_OK);
	assert_int_equal(common()->queue_desc, 0);
	assert_int_equal(common()->queue_enable, 0);
}

/* ---- tests ---- */

/* The well-behaved device is driven: DRIVER_OK, the notification lands
 * exactly at 3 x 4 in the notify structure, and nowhere else. */
static void test_good_device(void **state)
{
	(void)state;
	sim_init();
	assert_int_equal(offer(8), 0);
	assert_int_equal(drv.probes, 1);
	assert_int_equal(drv.result, 0);
	assert_true(common()->device_status & DRIVER_OK);
	assert_false(common()->device_status & FAILED);
	assert_int_equal(common()->queue_enable, 1);
	assert_int_equal(common()->queue_desc, drv_virtq_desc_addr(&drv.vq));
	assert_int_equal(sim.bar[NOTIFY_AT + 12], 0); /* queue index 0 */
	assert_int_equal(sim.bar[NOTIFY_AT + 13], 0);
	for (int i = 0; i < 0x1000; i++)
		if (i != 12 && i != 13)
			assert_int_equal(sim.bar[NOTIFY_AT + i], 0xee);
	assert_null(strstr(logs, "refused"));
}

/* A common configuration structure shorter than the structure. */
static void test_common_too_short(void **state)
{
	(void)state;
	sim_init();
	put_cap(0, 1, BAR, COMMON_AT, 0x20, 16, 0);
	assert_refused("common configuration capability at 0x40: 32 bytes, "
		       "the structure needs 56");
}

/* Structures reaching past their BAR, also with an offset that wraps in
 * 32 bits. */
static void test_region_past_bar(void **state)
{
	(void)state;
	sim_init();
	put_cap(2, 4, BAR, BAR_SIZE - 0x100, 0x200, 16, 0);
	assert_refused("device configuration capability at 0x68: 0x200 "
		       "bytes at 0x3f00 reach past BAR 4");
	sim_init();
	put_cap(3, 2, BAR, 0xffffff00u, 0x200, 20, 4);
	assert_refused("notify capability at 0x7c");
	sim_init();
	put_cap(1, 3, BAR, BAR_SIZE, 1, 16, 0);
	assert_refused("ISR capability at 0x54");
}

/* A capability header shorter than its type's, and one naming a BAR the
 * function does not have. */
static void test_bad_headers(void **state)
{
	(void)state;
	sim_init();
	put_cap(3, 2, BAR, NOTIFY_AT, 0x1000, 16, 4); /* no multiplier */
	assert_refused("notify capability at 0x7c: 16 bytes long, needs 20");
	sim_init();
	put_cap(1, 3, BAR, ISR_AT, 0x1000, 8, 0);
	assert_refused("ISR capability at 0x54: 8 bytes long");
	sim_init();
	put_cap(0, 1, 2, COMMON_AT, 0x1000, 16, 0);
	assert_refused("BAR 2 is not there");
}

/* A capability with a reserved BAR number (7) is ignored (4.1.4); with
 * no other common configuration the device has no modern interface (and
 * here no legacy one): left alone. One in an I/O BAR is skipped for the
 * next usable one. */
static void test_skipped_caps(void **state)
{
	(void)state;
	sim_init();
	put_cap(0, 1, 7, COMMON_AT, 0x1000, 16, 0);
	assert_int_equal(offer(4), -ENODEV);
	assert_int_equal(drv.probes, 0);
	assert_non_null(strstr(logs, "no usable common configuration"));
	assert_non_null(strstr(logs, "left alone"));
	sim_init();
	sim.p.bar[0] = (struct drv_pci_bar){ DRV_PCI_BAR_IO, 0, 0xc000, 64 };
	put_cap(3, 2, 0, 0, 64, 20, 0); /* an I/O notify first ... */
	put_cap(4, 2, BAR, NOTIFY_AT, 0x1000, 20, 4); /* ... then memory */
	link_caps(5);
	assert_int_equal(offer(4), 0);
	assert_int_equal(drv.result, 0);
	assert_int_equal(sim.bar[NOTIFY_AT + 12], 0);
}

/* A queue whose notification address lies past the notify structure:
 * the queue is refused before the device hears of it, the device
 * FAILED. */
static void test_notify_out_of_range(void **state)
{
	(void)state;
	sim_init();
	common()->queue_notify_off = 0x400; /* 0x400 x 4 = 0x1000: past */
	assert_int_equal(offer(4), 0);	    /* claimed: it is a virtio device */
	assert_failed(-EIO);
	assert_non_null(strstr(logs, "queue 0 notifies at 1024 x 4, outside "
				     "its 4096-byte notify structure"));
	sim_init();
	common()->queue_notify_off = 0x3ff; /* the last 2 bytes fit */
	assert_int_equal(offer(4), 0);
	assert_int_equal(drv.result, 0);
	assert_int_equal(sim.bar[NOTIFY_AT + 0xffc], 0);
}

/* queue_notify_off x notify_off_multiplier = 2^32: in 32 bits it wraps
 * to 0, inside the structure; computed without overflow it is far
 * outside. */
static void test_notify_overflow(void **state)
{
	(void)state;
	sim_init();
	common()->queue_notify_off = 0x100;
	put_cap(3, 2, BAR, NOTIFY_AT, 0x1000, 20, 0x1000000);
	assert_int_equal(offer(4), 0);
	assert_failed(-EIO);
	assert_int_equal(sim.bar[NOTIFY_AT], 0xee); /* nothing written */
}

/* Configuration reads past the device configuration structure's length
 * fail the device rather than read past it. */
static void test_config_past_structure(void **state)
{
	(void)state;
	sim_init();
	put_cap(2, 4, BAR, DEVICE_AT, 4, 16, 0);
	assert_int_equal(offer(8), 0);
	assert_failed(-EIO);
	assert_non_null(strstr(logs, "configuration read of 8 bytes at 0 "
				     "is past its 4 bytes"));
}

/* vpci_notify_offset alone: bounds, the 2-byte write, no overflow. */
static void test_notify_offset(void **state)
{
	uint32_t at = 1;

	(void)state;
	assert_int_equal(vpci_notify_offset(3, 4, 0x1000, &at), 0);
	assert_int_equal(at, 12);
	assert_int_equal(vpci_notify_offset(7, 0, 2, &at), 0); /* shared */
	assert_int_equal(at, 0);
	assert_int_equal(vpci_notify_offset(0, 4, 2, &at), 0);
	assert_int_equal(vpci_notify_offset(0, 4, 1, &at), -ERANGE);
	assert_int_equal(vpci_notify_offset(0, 4, 0, &at), -ERANGE);
	assert_int_equal(vpci_notify_offset(1, 4, 5, &at), -ERANGE);
	assert_int_equal(vpci_notify_offset(1, 4, 6, &at), 0);
	assert_int_equal(
		vpci_notify_offset(0xffff, 0xffffffffu, 0xffffffffu, &at),
		-ERANGE);
	assert_int_equal(vpci_notify_offset(0x100, 0x1000000, 0x1000, &at),
			 -ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_good_device, free_allocs),
		cmocka_unit_test_teardown(test_common_too_short, free_allocs),
		cmocka_unit_test_teardown(test_region_past_bar, free_allocs),
		cmocka_unit_test_teardown(test_bad_headers, free_allocs),
		cmocka_unit_test_teardown(test_skipped_caps, free_allocs),
		cmocka_unit_test_teardown(test_notify_out_of_range,
					  free_allocs),
		cmocka_unit_test_teardown(test_notify_overflow, free_allocs),
		cmocka_unit_test_teardown(test_config_past_structure,
					  free_allocs),
		cmocka_unit_test_teardown(test_notify_offset, free_allocs),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
