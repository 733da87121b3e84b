/* Unit tests of the PCI decoding (drivers/pci_config.c) against
 * configuration spaces recorded from QEMU's pc and q35 machines
 * (test/fixtures/pci, written by tools/capture-pci) and crafted ones: BAR
 * sizing, the capability walk and its guards, the MSI-X layout and table
 * programming, enumeration, and driver matching. */
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

#include "pci_config.h"

#define MAX_FNS 64

/* One fake function: the recorded bytes and BAR sizing read-backs. A
 * write of all ones to a BAR makes the next read of it return the
 * read-back; every other write is stored. */
struct fake_fn {
	uint16_t bdf;
	uint8_t cfg[256];
	uint32_t bar_rb[DRV_PCI_NBARS];
	int sizing[DRV_PCI_NBARS];
};

struct fake {
	struct fake_fn fn[MAX_FNS];
	int n;
	int sized_while_decoding; /* all-ones BAR writes with decode on */
	int writes;
};

static struct fake_fn *fake_find(struct fake *f, uint16_t bdf)
{
	for (int i = 0; i < f->n; i++)
		if (f->fn[i].bdf == bdf)
			return &f->fn[i];
	return NULL;
}

/* The BAR index of a dword-aligned BAR register offset, or -1. */
static int bar_index(const struct fake_fn *fn, unsigned off)
{
	unsigned nbars = (fn->cfg[DRV_PCI_HEADER_TYPE] & 0x7f) == 0 ? 6 : 2;

	if (off < DRV_PCI_BAR0 || off >= DRV_PCI_BAR0 + 4 * nbars || off & 3)
		return -1;
	return (int)(off - DRV_PCI_BAR0) / 4;
}

static uint32_t fake_read(void *ctx, uint16_t bdf, unsigned off, unsigned width)
{
	struct fake_fn *fn = fake_find(ctx, bdf);
	uint32_t v = 0;
	int bar;

	assert_true(width == 1 || width == 2 || width == 4);
	assert_int_equal(off % width, 0);
	if (!fn || off >= 256)
		return width == 4 ? 0xffffffffu : (1u << (8 * width)) - 1;
	bar = bar_index(fn, off);
	if (bar >= 0 && fn->sizing[bar]) {
		assert_int_equal(width, 4);
		return fn->bar_rb[bar];
	}
	for (unsigned i = 0; i < width; i++)
		v |= (uint32_t)fn->cfg[off + i] << (8 * i);
	return v;
}

static void fake_write(void *ctx, uint16_t bdf, unsigned off, unsigned width,
		       uint32_t v)
{
	struct fake *f = ctx;
	struct fake_fn *fn = fake_find(f, bdf);
	int bar;

	assert_int_equal(off % width, 0);
	f->writes++;
	if (!fn || off >= 256)
		return;
	bar = bar_index(fn, off);
	if (bar >= 0) {
		fn->sizing[bar] = width == 4 && v == 0xffffffffu;
		if (fn->sizing[bar]) {
			f->sized_while_decoding += fn->cfg[DRV_PCI_COMMAND] & 3;
			return;
		}
	}
	for (unsigned i = 0; i < width; i++)
		fn->cfg[off + i] = (uint8_t)(v >> (8 * i));
}

static struct fake fake;
static const struct drv_pci_cfg fake_cfg = { fake_read, fake_write, &fake };

static uint16_t parse_bdf(const char *s)
{
	unsigned bus, dev, fn;

	assert_int_equal(sscanf(s, "%2x:%2x.%1x", &bus, &dev, &fn), 3);
	return DRV_PCI_BDF(bus, dev, fn);
}

/* One fixture line into the fake ("fn", "cfg" or "bar" record). */
static void load_line(struct fake *f, const char *line)
{
	char word[8], arg[16], hex[80];
	struct fake_fn *fn = f->n ? &f->fn[f->n - 1] : NULL;

	if (sscanf(line, "%7s %15s %79s", word, arg, hex) < 2)
		return;
	if (strcmp(word, "fn") == 0) {
		assert_true(f->n < MAX_FNS);
		f->fn[f->n++].bdf = parse_bdf(arg);
	} else if (strcmp(word, "cfg") == 0) {
		unsigned off = (unsigned)strtoul(arg, NULL, 16);

		assert_non_null(fn);
		assert_int_equal(strlen(hex), 64);
		for (unsigned i = 0; i < 32; i++)
			sscanf(hex + 2 * i, "%2hhx", &fn->cfg[off + i]);
	} else if (strcmp(word, "bar") == 0) {
		assert_non_null(fn);
		fn->bar_rb[atoi(arg)] = (uint32_t)strtoul(hex, NULL, 16);
	}
}

static void load_fixture(const char *machine)
{
	char path[512], line[256];
	FILE *fp;

	memset(&fake, 0, sizeof(fake));
	snprintf(path, sizeof(path), "%s/%s.txt", PCI_FIXTURE_DIR, machine);
	fp = fopen(path, "r");
	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp))
		if (line[0] != '#')
			load_line(&fake, line);
	fclose(fp);
	assert_true(fake.n > 0);
}

/* A blank function at bdf with ids and a type 0 header. */
static struct fake_fn *craft(uint16_t bdf, uint16_t vendor, uint16_t device)
{
	struct fake_fn *fn = &fake.fn[fake.n++];

	memset(fn, 0, sizeof(*fn));
	fn->bdf = bdf;
	fn->cfg[0] = (uint8_t)vendor;
	fn->cfg[1] = (uint8_t)(vendor >> 8);
	fn->cfg[2] = (uint8_t)device;
	fn->cfg[3] = (uint8_t)(device >> 8);
	return fn;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The fixture function with these ids, decoded into *d. */
static void decode_ids(uint16_t vendor, uint16_t device, uint16_t device2,
		       struct drv_pci_dev *d)
{
	for (int i = 0; i < fake.n; i++) {
		uint8_t *c = fake.fn[i].cfg;
		uint16_t v = (uint16_t)(c[0] | c[1] << 8);
		uint16_t dv = (uint16_t)(c[2] | c[3] << 8);

		if (v == vendor && (dv == device || dv == device2)) {
			assert_int_equal(
				drv_pci_decode(&fake_cfg, fake.fn[i].bdf, d),
				0);
			return;
		}
	}
	fail_msg("no %04x:%04x in the fixture", vendor, device);
}

/* Every function of the dump decodes, leaves its space as it found it
 * and is never sized with decoding on. */
static void check_all_restored(const char *machine)
{
	static struct fake before;
	struct drv_pci_dev d;

	load_fixture(machine);
	before = fake;
	for (int i = 0; i < fake.n; i++) {
		assert_int_equal(drv_pci_decode(&fake_cfg, fake.fn[i].bdf, &d),
				 0);
		assert_memory_equal(fake.fn[i].cfg, before.fn[i].cfg, 256);
	}
	assert_int_equal(fake.sized_while_decoding, 0);
}

static void test_decode_restores_pc(void **state)
{
	(void)state;
	check_all_restored("pc");
}

static void test_decode_restores_q35(void **state)
{
	(void)state;
	check_all_restored("q35");
}

/* virtio-net-pci (transitional on both machines): an I/O BAR for the
 * legacy interface, a 4 KiB memory BAR for MSI-X and a 64-bit
 * prefetchable one for the modern interface. qboot left them all at 0. */
static void check_virtio_net_bars(const char *machine)
{
	struct drv_pci_dev d;

	load_fixture(machine);
	decode_ids(0x1af4, 0x1000, 0x1041, &d);
	assert_int_equal(d.header_type, 0);
	assert_int_equal(d.class_code, 0x020000);
	assert_int_equal(d.subsys_vendor, 0x1af4);
	assert_int_equal(d.bar[0].type, DRV_PCI_BAR_IO);
	assert_int_equal(d.bar[0].size, 32);
	assert_int_equal(d.bar[0].base, 0);
	assert_int_equal(d.bar[1].type, DRV_PCI_BAR_MEM32);
	assert_int_equal(d.bar[1].size, 4096);
	assert_false(d.bar[1].prefetchable);
	assert_int_equal(d.bar[1].base, 0);
	assert_int_equal(d.bar[2].type, DRV_PCI_BAR_NONE);
	assert_int_equal(d.bar[3].type, DRV_PCI_BAR_NONE);
	assert_int_equal(d.bar[4].type, DRV_PCI_BAR_MEM64);
	assert_true(d.bar[4].prefetchable);
	assert_int_equal(d.bar[4].size, 16384);
	assert_int_equal(d.bar[4].base, 0);
	assert_int_equal(d.bar[5].type, DRV_PCI_BAR_NONE);
}

static void test_bars_virtio_net_pc(void **state)
{
	(void)state;
	check_virtio_net_bars("pc");
}

static void test_bars_virtio_net_q35(void **state)
{
	(void)state;
	check_virtio_net_bars("q35");
}

/* Crafted BARs: I/O decoding 16 bits, legacy below-1M, unimplemented,
 * a 64-bit one above 4 GiB, and a 64-bit one in the last slot. */
static void test_bars_crafted(void **state)
{
	struct fake_fn *fn;
	struct drv_pci_dev d;

	(void)state;
	memset(&fake, 0, sizeof(fake));
	fn = craft(DRV_PCI_BDF(0, 1, 0), 0x1234, 0x5678);
	fn->cfg[DRV_PCI_COMMAND] = 3;
	put32(&fn->cfg[0x10], 0x0000c041);
	fn->bar_rb[0] = 0x0000ffc1; /* 64 ports, upper half not decoded */
	put32(&fn->cfg[0x14], 0x000d0002);
	fn->bar_rb[1] = 0xffff0002; /* legacy type: 64 KiB mem32 */
	put32(&fn->cfg[0x18], 0x0000000c);
	put32(&fn->cfg[0x1c], 0x00000008);
	fn->bar_rb[2] = 0x0000000c; /* 64-bit, 32 GiB prefetchable */
	fn->bar_rb[3] = 0xfffffff8;
	fn->bar_rb[4] = 0; /* unimplemented */
	put32(&fn->cfg[0x24], 0xe0000004);
	fn->bar_rb[5] = 0xf0000004; /* 64-bit in slot 5: ignored */

	assert_int_equal(drv_pci_decode(&fake_cfg, fn->bdf, &d), 0);
	assert_int_equal(d.bar[0].type, DRV_PCI_BAR_IO);
	assert_int_equal(d.bar[0].base, 0xc040);
	assert_int_equal(d.bar[0].size, 64);
	assert_int_equal(d.bar[1].type, DRV_PCI_BAR_MEM32);
	assert_int_equal(d.bar[1].base, 0xd0000);
	assert_int_equal(d.bar[1].size, 0x10000);
	assert_int_equal(d.bar[2].type, DRV_PCI_BAR_MEM64);
	assert_true(d.bar[2].prefetchable);
	assert_int_equal(d.bar[2].base, 0x800000000ULL);
	assert_int_equal(d.bar[2].size, 0x800000000ULL);
	assert_int_equal(d.bar[3].type, DRV_PCI_BAR_NONE);
	assert_int_equal(d.bar_readback[3], 0xfffffff8);
	assert_int_equal(d.bar[4].type, DRV_PCI_BAR_NONE);
	assert_int_equal(d.bar[5].type, DRV_PCI_BAR_NONE);
	assert_int_equal(d.bar_readback[5], 0);
	assert_int_equal(fake.sized_while_decoding, 0);
	assert_int_equal(fn->cfg[DRV_PCI_COMMAND], 3);
	assert_int_equal(fn->cfg[0x1c], 0x08);
}

static void test_bar_size(void **state)
{
	(void)state;
	assert_int_equal(drv_pci_bar_size(0), 0);
	assert_int_equal(drv_pci_bar_size(0xfffff000), 0x1000);
	assert_int_equal(drv_pci_bar_size(0xffffffe0), 32);
	assert_int_equal(drv_pci_bar_size(0xfffffffc00000000ULL),
			 0x400000000ULL);
}

/* Both virtio devices list MSI-X among their capabilities; modern
 * virtio adds vendor-specific ones, found one after another. */
static void check_virtio_caps(const char *machine, uint16_t dev1, uint16_t dev2,
			      unsigned entries)
{
	struct drv_pci_dev d;
	unsigned off, nvendor = 0;

	load_fixture(machine);
	decode_ids(0x1af4, dev1, dev2, &d);
	assert_true(d.ncaps > 0);
	off = drv_pci_find_cap(&d, DRV_PCI_CAP_MSIX, 0);
	assert_true(off >= 0x40);
	assert_int_equal(d.msix.cap, off);
	assert_int_equal(d.msix.size, entries);
	assert_int_equal(d.msix.size,
			 (drv_pci_read16(&d, off + 2) & 0x7ff) + 1);
	assert_int_equal(d.msix.table_bar, 1);
	assert_int_equal(d.msix.table_offset, 0);
	assert_int_equal(d.msix.pba_bar, 1);
	assert_int_equal(d.msix.pba_offset, 0x800);
	assert_null(d.msix.table);
	for (off = 0; (off = drv_pci_find_cap(&d, DRV_PCI_CAP_VENDOR, off));)
		nvendor++;
	assert_true(nvendor >= 4); /* common, notify, ISR, device (+ cfg) */
}

static void test_caps_virtio_net_q35(void **state)
{
	(void)state;
	check_virtio_caps("q35", 0x1000, 0x1041, 4);
}

static void test_caps_virtio_rng_q35(void **state)
{
	(void)state;
	check_virtio_caps("q35", 0x1005, 0x1044, 2);
}

static void test_caps_virtio_net_pc(void **state)
{
	(void)state;
	check_virtio_caps("pc", 0x1000, 0x1041, 4);
}

static void test_caps_virtio_rng_pc(void **state)
{
	(void)state;
	check_virtio_caps("pc", 0x1005, 0x1044, 2);
}

/* A function whose capability list is given by (offset, id, next). */
static struct fake_fn *craft_caps(uint8_t first, const uint8_t (*c)[3], int n)
{
	struct fake_fn *fn;

	memset(&fake, 0, sizeof(fake));
	fn = craft(DRV_PCI_BDF(0, 2, 0), 0x1234, 0x0001);
	fn->cfg[DRV_PCI_STATUS] = DRV_PCI_STATUS_CAPS;
	fn->cfg[DRV_PCI_CAP_PTR] = first;
	for (int i = 0; i < n; i++) {
		fn->cfg[c[i][0]] = c[i][1];
		fn->cfg[c[i][0] + 1] = c[i][2];
	}
	return fn;
}

static void test_caps_loop(void **state)
{
	static const uint8_t c[][3] = { { 0x40, 0x05, 0x50 },
					{ 0x50, 0x11, 0x40 } };
	struct drv_pci_cap cap[DRV_PCI_MAX_CAPS];
	struct drv_pci_dev d;
	struct fake_fn *fn = craft_caps(0x40, c, 2);

	(void)state;
	assert_int_equal(drv_pci_caps_walk(&fake_cfg, fn->bdf, cap, 16),
			 -ELOOP);
	assert_int_equal(drv_pci_decode(&fake_cfg, fn->bdf, &d), 0);
	assert_int_equal(d.ncaps, -ELOOP);
	assert_int_equal(drv_pci_find_cap(&d, DRV_PCI_CAP_MSIX, 0), 0);
	assert_int_equal(d.msix.cap, 0);
}

static void test_caps_self_loop(void **state)
{
	static const uint8_t c[][3] = { { 0xfc, 0x09, 0xff } };
	struct drv_pci_cap cap[4];
	struct fake_fn *fn = craft_caps(0xff, c, 1);

	(void)state;
	assert_int_equal(drv_pci_caps_walk(&fake_cfg, fn->bdf, cap, 4), -ELOOP);
}

static void test_caps_bad_pointers(void **state)
{
	static const uint8_t c[][3] = { { 0x48, 0x01, 0x3c },
					{ 0x60, 0x11, 0x00 } };
	struct drv_pci_cap cap[4];
	struct fake_fn *fn = craft_caps(0x4b, c, 2);

	(void)state;
	/* 0x4b is masked to 0x48; its next (0x3c) is below 0x40: the end. */
	assert_int_equal(drv_pci_caps_walk(&fake_cfg, fn->bdf, cap, 4), 1);
	assert_int_equal(cap[0].offset, 0x48);
	assert_int_equal(cap[0].id, 0x01);
	/* A first pointer into the header ends the list at once. */
	fn->cfg[DRV_PCI_CAP_PTR] = 0x10;
	assert_int_equal(drv_pci_caps_walk(&fake_cfg, fn->bdf, cap, 4), 0);
	/* Without the status bit the pointer is not even looked at. */
	fn->cfg[DRV_PCI_CAP_PTR] = 0x48;
	fn->cfg[DRV_PCI_STATUS] = 0;
	assert_int_equal(drv_pci_caps_walk(&fake_cfg, fn->bdf, cap, 4), 0);
}

static void test_caps_truncated(void **state)
{
	static const uint8_t c[][3] = { { 0x40, 0x01, 0x44 },
					{ 0x44, 0x05, 0x48 },
					{ 0x48, 0x11, 0x00 } };
	struct drv_pci_cap cap[2];
	struct fake_fn *fn = craft_caps(0x40, c, 3);

	(void)state;
	assert_int_equal(drv_pci_caps_walk(&fake_cfg, fn->bdf, cap, 2), 2);
	assert_int_equal(cap[1].id, 0x05);
	assert_int_equal(cap[1].offset, 0x44);
}

static void test_msix_parse_crafted(void **state)
{
	static const uint8_t c[][3] = { { 0x70, 0x11, 0x00 } };
	struct fake_fn *fn = craft_caps(0x70, c, 1);
	struct drv_pci_msix m;

	(void)state;
	fn->cfg[0x72] = 0xff; /* table size field 0x7ff: 2048 entries */
	fn->cfg[0x73] = 0x07;
	put32(&fn->cfg[0x74], 0x00002002); /* BAR 2 + 0x2000 */
	put32(&fn->cfg[0x78], 0x00003005); /* BAR 5 + 0x3000 */
	assert_int_equal(drv_pci_msix_parse(&fake_cfg, fn->bdf, 0x70, &m), 0);
	assert_int_equal(m.size, 2048);
	assert_int_equal(m.table_bar, 2);
	assert_int_equal(m.table_offset, 0x2000);
	assert_int_equal(m.pba_bar, 5);
	assert_int_equal(m.pba_offset, 0x3000);
	put32(&fn->cfg[0x78], 0x00003006); /* BIR 6: no such BAR */
	assert_int_equal(drv_pci_msix_parse(&fake_cfg, fn->bdf, 0x70, &m),
			 -EINVAL);
}

/* Enumeration finds exactly the functions of the dump, in order. */
static void check_scan(const char *machine, const uint16_t *must, int nmust)
{
	static struct drv_pci_dev d[MAX_FNS];
	int n;

	load_fixture(machine);
	n = drv_pci_scan(&fake_cfg, d, MAX_FNS);
	assert_int_equal(n, fake.n);
	for (int i = 0; i < n; i++) {
		assert_non_null(fake_find(
			&fake, DRV_PCI_BDF(d[i].bus, d[i].dev, d[i].fn)));
		if (i)
			assert_true(DRV_PCI_BDF(d[i - 1].bus, d[i - 1].dev,
						d[i - 1].fn) <
				    DRV_PCI_BDF(d[i].bus, d[i].dev, d[i].fn));
	}
	for (int j = 0; j < nmust; j++) {
		int found = 0;

		for (int i = 0; i < n; i++)
			found |= DRV_PCI_BDF(d[i].bus, d[i].dev, d[i].fn) ==
				 must[j];
		assert_true(found);
	}
	assert_int_equal(drv_pci_scan(&fake_cfg, d, 2), n); /* counts all */
}

static void test_scan_pc(void **state)
{
	static const uint16_t must[] = { DRV_PCI_BDF(0, 0, 0),
					 DRV_PCI_BDF(0, 1, 0),
					 DRV_PCI_BDF(0, 1, 1),
					 DRV_PCI_BDF(0, 1, 3) };

	(void)state;
	check_scan("pc", must, 4);
}

static void test_scan_q35(void **state)
{
	static const uint16_t must[] = { DRV_PCI_BDF(0, 0, 0),
					 DRV_PCI_BDF(0, 0x1f, 0),
					 DRV_PCI_BDF(0, 0x1f, 2),
					 DRV_PCI_BDF(0, 0x1f, 3) };

	(void)state;
	check_scan("q35", must, 4);
}

/* A bridge to bus 2, a bridge claiming bus 0 behind itself (ignored), a
 * function 1 without the multi-function bit on function 0 (not found). */
static void test_scan_bridges(void **state)
{
	struct drv_pci_dev d[8];
	struct fake_fn *fn;

	(void)state;
	memset(&fake, 0, sizeof(fake));
	craft(DRV_PCI_BDF(0, 0, 0), 0x8086, 0x29c0);
	fn = craft(DRV_PCI_BDF(0, 3, 0), 0x1b36, 0x000c);
	fn->cfg[DRV_PCI_HEADER_TYPE] = 1;
	fn->cfg[DRV_PCI_SECONDARY_BUS] = 2;
	craft(DRV_PCI_BDF(0, 3, 1), 0x1b36, 0x000c); /* fn 0 not multi */
	craft(DRV_PCI_BDF(2, 0, 0), 0x1af4, 0x1041);
	fn = craft(DRV_PCI_BDF(2, 1, 0), 0x1b36, 0x000c);
	fn->cfg[DRV_PCI_HEADER_TYPE] = 1;
	fn->cfg[DRV_PCI_SECONDARY_BUS] = 0; /* back to bus 0: ignored */
	craft(DRV_PCI_BDF(5, 0, 0), 0x1af4, 0x1042); /* behind no bridge */

	assert_int_equal(drv_pci_scan(&fake_cfg, d, 8), 4);
	assert_int_equal(d[1].header_type, 1);
	assert_int_equal(d[1].secondary_bus, 2);
	assert_int_equal(d[2].bus, 2);
	assert_int_equal(d[2].device, 0x1041);
	assert_int_equal(d[3].bus, 2);
	assert_int_equal(d[3].dev, 1);
}

static int probe_log[8], nprobe_log;

static int probe_ok(struct drv_pci_dev *dev)
{
	(void)dev;
	probe_log[nprobe_log++] = 1;
	return 0;
}

static int probe_decline(struct drv_pci_dev *dev)
{
	(void)dev;
	probe_log[nprobe_log++] = 2;
	return -ENODEV;
}

static int probe_any(struct drv_pci_dev *dev)
{
	(void)dev;
	probe_log[nprobe_log++] = 3;
	return 0;
}

static int probe_vendor(struct drv_pci_dev *dev)
{
	(void)dev;
	probe_log[nprobe_log++] = 4;
	return 0;
}

static const struct drv_pci_driver drv_any = { "any", DRV_PCI_ANY, DRV_PCI_ANY,
					       probe_any };
static const struct drv_pci_driver drv_vendor = { "vendor", 0x1af4, DRV_PCI_ANY,
						  probe_vendor };
static const struct drv_pci_driver drv_exact = { "exact", 0x1af4, 0x1041,
						 probe_ok };
static const struct drv_pci_driver drv_decline = { "decline", 0x1af4, 0x1041,
						   probe_decline };
static const struct drv_pci_driver drv_other = { "other", 0x8086, 0x1041,
						 probe_ok };

static void test_match_scores(void **state)
{
	struct drv_pci_dev d = { .vendor = 0x1af4, .device = 0x1041 };
	const struct drv_pci_driver dev_any = { "d", DRV_PCI_ANY, 0x1041,
						probe_ok };

	(void)state;
	assert_int_equal(drv_pci_match(&drv_exact, &d), 3);
	assert_int_equal(drv_pci_match(&drv_vendor, &d), 2);
	assert_int_equal(drv_pci_match(&dev_any, &d), 1);
	assert_int_equal(drv_pci_match(&drv_any, &d), 0);
	assert_int_equal(drv_pci_match(&drv_other, &d), -1);
	d.device = 0x1000;
	assert_int_equal(drv_pci_match(&drv_exact, &d), -1);
}

/* The exact match is offered first whatever the registration order; a
 * declining probe passes the device on to the next best. */
static void test_attach_order(void **state)
{
	const struct drv_pci_driver *const list[] = { &drv_any, &drv_vendor,
						      &drv_decline, &drv_other,
						      &drv_exact };
	struct drv_pci_dev d = { .vendor = 0x1af4, .device = 0x1041 };
	int err = 1;

	(void)state;
	nprobe_log = 0;
	assert_ptr_equal(drv_pci_attach(list, 5, &d, &err), &drv_exact);
	assert_ptr_equal(d.driver, &drv_exact);
	assert_int_equal(err, 0);
	assert_int_equal(nprobe_log, 2);
	assert_int_equal(probe_log[0], 2); /* decline: exact, registered 1st */
	assert_int_equal(probe_log[1], 1);

	nprobe_log = 0;
	assert_ptr_equal(drv_pci_attach(list, 3, &d, &err), &drv_vendor);
	assert_int_equal(nprobe_log, 2);
	assert_int_equal(probe_log[1], 4);

	nprobe_log = 0;
	d.vendor = 0x10ec;
	assert_ptr_equal(drv_pci_attach(list, 5, &d, &err), &drv_any);
	assert_int_equal(nprobe_log, 1);

	nprobe_log = 0;
	assert_null(drv_pci_attach(list + 2, 1, &d, &err));
	assert_int_equal(err, 0); /* nobody matched */
	d.vendor = 0x1af4;
	assert_null(drv_pci_attach(list + 2, 1, &d, &err));
	assert_int_equal(err, -ENODEV);
	assert_null(d.driver);
}

static uint32_t msix_mem[2][1024];
static uint64_t mapped_pa[2];
static size_t mapped_len[2];
static int nmapped;

static void *fake_map(uint64_t pa, size_t size)
{
	assert_true(nmapped < 2);
	mapped_pa[nmapped] = pa;
	mapped_len[nmapped] = size;
	return msix_mem[nmapped++];
}

static const struct drv_pci_window io_win = { 0xc000, 0x10000 };
static const struct drv_pci_window mem_win = { 0xc0000000, 0xfec00000 };

/* The virtio-net of q35, its BARs assigned and its table mapped into
 * msix_mem. */
static void msix_net(struct drv_pci_dev *d)
{
	static struct drv_pci_dev all[MAX_FNS];
	int n;

	load_fixture("q35");
	n = drv_pci_scan(&fake_cfg, all, MAX_FNS);
	assert_true(drv_pci_assign(&fake_cfg, all, n, &io_win, &mem_win) > 0);
	decode_ids(0x1af4, 0x1000, 0x1041, d);
	memset(msix_mem, 0xa5, sizeof(msix_mem));
	nmapped = 0;
	assert_int_equal(drv_pci_msix_map(d, fake_map), 4);
}

static void test_msix_map(void **state)
{
	struct drv_pci_dev d;

	(void)state;
	msix_net(&d);
	assert_int_equal(nmapped, 2);
	assert_int_equal(mapped_pa[0], d.bar[1].base);
	assert_int_not_equal(d.bar[1].base, 0);
	assert_int_equal(mapped_len[0], 4 * 16);
	assert_int_equal(mapped_pa[1], d.bar[1].base + 0x800);
	assert_int_equal(mapped_len[1], 8);
	for (int i = 0; i < 4; i++)
		assert_int_equal(msix_mem[0][4 * i + 3] & 1, 1);
	assert_int_equal(msix_mem[0][4 * 4 + 3], 0xa5a5a5a5); /* untouched */
}

static void test_msix_set_vector(void **state)
{
	struct drv_pci_dev d;

	(void)state;
	msix_net(&d);
	assert_int_equal(
		drv_pci_msix_set_vector(&d, 1, 0xfee01000ULL | (0x12ULL << 32),
					0x4031, 0),
		0);
	assert_int_equal(msix_mem[0][4], 0xfee01000);
	assert_int_equal(msix_mem[0][5], 0x12);
	assert_int_equal(msix_mem[0][6], 0x4031);
	assert_int_equal(msix_mem[0][7], 0xa5a5a5a4); /* reserved bits kept */
	assert_int_equal(msix_mem[0][3] & 1, 1);      /* entry 0 still masked */
	assert_int_equal(msix_mem[0][11] & 1, 1);
	assert_int_equal(drv_pci_msix_set_vector(&d, 2, 0xfee00000, 0x22, 1),
			 0);
	assert_int_equal(msix_mem[0][8], 0xfee00000);
	assert_int_equal(msix_mem[0][9], 0);
	assert_int_equal(msix_mem[0][10], 0x22);
	assert_int_equal(msix_mem[0][11] & 1, 1);
	assert_int_equal(drv_pci_msix_mask(&d, 2, 0), 0);
	assert_int_equal(msix_mem[0][11] & 1, 0);
	assert_int_equal(drv_pci_msix_set_vector(&d, 4, 0xfee00000, 0, 0),
			 -EINVAL);
	assert_int_equal(msix_mem[0][16], 0xa5a5a5a5);
	d.msix.table = NULL;
	assert_int_equal(drv_pci_msix_set_vector(&d, 0, 0xfee00000, 0, 0),
			 -ENODEV);
}

static void test_msix_control(void **state)
{
	struct drv_pci_dev d;
	unsigned ctl;

	(void)state;
	msix_net(&d);
	ctl = d.msix.cap + 2;
	assert_int_equal(drv_pci_read16(&d, ctl) & 0xc000, 0);
	assert_int_equal(drv_pci_msix_function_mask(&d, 1), 0);
	assert_int_equal(drv_pci_msix_enable(&d, 1), 0);
	assert_int_equal(drv_pci_read16(&d, ctl) & 0xc7ff, 0xc003);
	assert_int_equal(drv_pci_msix_function_mask(&d, 0), 0);
	assert_int_equal(drv_pci_read16(&d, ctl) & 0xc000, 0x8000);
	assert_int_equal(drv_pci_msix_enable(&d, 0), 0);
	assert_int_equal(drv_pci_read16(&d, ctl) & 0xc000, 0);
	d.msix.cap = 0;
	assert_int_equal(drv_pci_msix_enable(&d, 1), -ENODEV);
	assert_int_equal(drv_pci_msix_map(&d, fake_map), -ENODEV);
}

/* A table that does not fit in its BAR, or a BAR that is not memory. */
static void test_msix_map_bad(void **state)
{
	struct drv_pci_dev d;

	(void)state;
	msix_net(&d);
	d.msix.table = NULL;
	d.msix.table_offset = 0xff8;
	assert_int_equal(drv_pci_msix_map(&d, fake_map), -EINVAL);
	d.msix.table_offset = 0;
	d.msix.table_bar = 0; /* the I/O BAR */
	assert_int_equal(drv_pci_msix_map(&d, fake_map), -EINVAL);
	d.msix.table_bar = 2; /* unimplemented */
	assert_int_equal(drv_pci_msix_map(&d, fake_map), -EINVAL);
	assert_null(d.msix.table);
}

/* Two BARs of the same space overlap. */
static int overlap(const struct drv_pci_bar *a, const struct drv_pci_bar *b)
{
	return (a->type == DRV_PCI_BAR_IO) == (b->type == DRV_PCI_BAR_IO) &&
	       a->base < b->base + b->size && b->base < a->base + a->size;
}

/* BAR j of dev[i] is placed, aligned, inside its window, overlaps no
 * other BAR of dev[0..n-1], and configuration space agrees. */
static void check_bar_placed(struct drv_pci_dev *dev, int n, int i, int j)
{
	const struct drv_pci_bar *b = &dev[i].bar[j];
	const struct drv_pci_window *w =
		b->type == DRV_PCI_BAR_IO ? &io_win : &mem_win;
	uint16_t bdf = DRV_PCI_BDF(dev[i].bus, dev[i].dev, dev[i].fn);
	struct drv_pci_dev again;

	assert_int_equal(b->base % b->size, 0);
	assert_true(b->base >= w->base);
	assert_true(b->base + b->size <= w->limit);
	for (int k = 0; k < n; k++)
		for (int l = 0; l < DRV_PCI_NBARS; l++)
			if (k != i || l != j)
				assert_false(overlap(b, &dev[k].bar[l]));
	assert_int_equal(drv_pci_decode(&fake_cfg, bdf, &again), 0);
	assert_memory_equal(&again.bar[j], b, sizeof(*b));
}

static void check_placed(struct drv_pci_dev *dev, int n)
{
	for (int i = 0; i < n; i++)
		for (int j = 0; j < DRV_PCI_NBARS; j++)
			if (dev[i].bar[j].type != DRV_PCI_BAR_NONE)
				check_bar_placed(dev, n, i, j);
}

static void check_assign(const char *machine, int expect)
{
	static struct drv_pci_dev d[MAX_FNS];
	int n;

	load_fixture(machine);
	n = drv_pci_scan(&fake_cfg, d, MAX_FNS);
	assert_int_equal(drv_pci_assign(&fake_cfg, d, n, &io_win, &mem_win),
			 expect);
	check_placed(d, n);
	assert_int_equal(fake.sized_while_decoding, 0);
	/* A second pass finds nothing left to do. */
	assert_int_equal(drv_pci_assign(&fake_cfg, d, n, &io_win, &mem_win), 0);
}

static void test_assign_pc(void **state)
{
	(void)state;
	check_assign("pc", 7); /* IDE bus master, 2 x 3 virtio */
}

static void test_assign_q35(void **state)
{
	(void)state;
	check_assign("q35", 9); /* AHCI 2, SMBus 1, 2 x 3 virtio */
}

/* Placement starts above a BAR already in the window, a BAR that does
 * not fit stays unset, and functions behind a bridge are left alone. */
static void test_assign_crafted(void **state)
{
	static const struct drv_pci_window small = { 0xc0000000, 0xc0010000 };
	struct drv_pci_dev d[3];
	struct fake_fn *fn;

	(void)state;
	memset(&fake, 0, sizeof(fake));
	fn = craft(DRV_PCI_BDF(0, 1, 0), 0x1234, 1);
	put32(&fn->cfg[0x10], 0xc0002000);
	fn->bar_rb[0] = 0xfffff000; /* 4K at 0xc0002000, already set */
	fn->bar_rb[1] = 0xffff0000; /* 64K, unset: too big for what is left */
	fn->bar_rb[2] = 0xffffe000; /* 8K, unset */
	fn->cfg[DRV_PCI_COMMAND] = 2;
	fn = craft(DRV_PCI_BDF(1, 0, 0), 0x1234, 2);
	fn->bar_rb[0] = 0xfffff000;
	assert_int_equal(drv_pci_decode(&fake_cfg, DRV_PCI_BDF(0, 1, 0), &d[0]),
			 0);
	assert_int_equal(drv_pci_decode(&fake_cfg, DRV_PCI_BDF(1, 0, 0), &d[1]),
			 0);
	assert_int_equal(drv_pci_assign(&fake_cfg, d, 2, &io_win, &small),
			 -ENOSPC);
	assert_int_equal(d[0].bar[0].base, 0xc0002000);
	assert_int_equal(d[0].bar[1].base, 0);
	assert_int_equal(d[0].bar[2].base, 0xc0004000);
	assert_int_equal(d[1].bar[0].base, 0);
	assert_int_equal(fake.fn[0].cfg[0x18], 0x00);
	assert_int_equal(fake.fn[0].cfg[0x19], 0x40);
	assert_int_equal(fake.fn[0].cfg[DRV_PCI_COMMAND], 2);
	assert_int_equal(fake.fn[1].cfg[0x11], 0);
}

static void test_enable(void **state)
{
	struct drv_pci_dev d;

	(void)state;
	load_fixture("q35");
	decode_ids(0x1af4, 0x1005, 0x1044, &d);
	drv_pci_write16(&d, DRV_PCI_COMMAND, 0);
	assert_int_equal(drv_pci_enable(&d), 0);
	assert_int_equal(drv_pci_read16(&d, DRV_PCI_COMMAND),
			 DRV_PCI_COMMAND_IO | DRV_PCI_COMMAND_MEMORY |
				 DRV_PCI_COMMAND_MASTER);
}

/* Byte and word accessors reach the right bytes of the dump. */
static void test_accessors(void **state)
{
	struct drv_pci_dev d;

	(void)state;
	load_fixture("q35");
	assert_int_equal(drv_pci_decode(&fake_cfg, DRV_PCI_BDF(0, 0, 0), &d),
			 0);
	assert_int_equal(d.vendor, 0x8086);
	assert_int_equal(d.device, 0x29c0);
	assert_int_equal(d.class_code, 0x060000);
	assert_int_equal(drv_pci_read8(&d, 1), 0x80);
	assert_int_equal(drv_pci_read32(&d, 0), 0x29c08086);
	drv_pci_write8(&d, 0x41, 0x5a);
	assert_int_equal(drv_pci_read16(&d, 0x40) >> 8, 0x5a);
	assert_int_equal(drv_pci_decode(&fake_cfg, DRV_PCI_BDF(0, 9, 0), &d),
			 -ENODEV);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_restores_pc),
		cmocka_unit_test(test_decode_restores_q35),
		cmocka_unit_test(test_bars_virtio_net_pc),
		cmocka_unit_test(test_bars_virtio_net_q35),
		cmocka_unit_test(test_bars_crafted),
		cmocka_unit_test(test_bar_size),
		cmocka_unit_test(test_caps_virtio_net_q35),
		cmocka_unit_test(test_caps_virtio_rng_q35),
		cmocka_unit_test(test_caps_virtio_net_pc),
		cmocka_unit_test(test_caps_virtio_rng_pc),
		cmocka_unit_test(test_caps_loop),
		cmocka_unit_test(test_caps_self_loop),
		cmocka_unit_test(test_caps_bad_pointers),
		cmocka_unit_test(test_caps_truncated),
		cmocka_unit_test(test_msix_parse_crafted),
		cmocka_unit_test(test_scan_pc),
		cmocka_unit_test(test_scan_q35),
		cmocka_unit_test(test_scan_bridges),
		cmocka_unit_test(test_match_scores),
		cmocka_unit_test(test_attach_order),
		cmocka_unit_test(test_msix_map),
		cmocka_unit_test(test_msix_set_vector),
		cmocka_unit_test(test_msix_control),
		cmocka_unit_test(test_msix_map_bad),
		cmocka_unit_test(test_assign_pc),
		cmocka_unit_test(test_assign_q35),
		cmocka_unit_test(test_assign_crafted),
		cmocka_unit_test(test_enable),
		cmocka_unit_test(test_accessors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
