/* Unit tests of kernel/platform/acpi.c against ACPI tables recorded from QEMU
 * (test/fixtures/acpi, written by tools/capture-acpi), intact and damaged. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <kern/acpi.h>
#include <kern/cmdline.h>
#include <kern/console.h>

/* The fixtures: -DFIXTURES=\"dir\", else found next to this file (CMake
 * compiles it by its absolute path). */
static char fixtures[512];

#define MAX_REGIONS 16
#define MAX_LOG 64
#define UNMAPPED 0x40000000u /* no fixture lives there */
#define SPARE 0x100000u	     /* free address for tables made by a test */

/* Fake physical memory: the recorded tables at their addresses. */
struct region {
	char sig[5];
	uint64_t pa;
	size_t len;
	uint8_t *data;
};

struct mem {
	struct region r[MAX_REGIONS];
	int n;
	uint64_t rsdp;
};

static struct mem *mem;		/* what the map callbacks see */
static char logs[MAX_LOG][512]; /* problems and kernel log lines */
static int nlog;
static char **klines; /* every kern_log line, for the dump */
static int nklines;
static int dump_option; /* kern_cmdline_take finds acpi.dump */

/* Stubs for what kern_acpi_init uses from the rest of the kernel. */

static struct kern_cmdline cmdline; /* no options */

const char *kern_cmdline_take(struct kern_cmdline *cl, const char *name)
{
	(void)cl;
	return dump_option && strcmp(name, "acpi.dump") == 0 ? "" : NULL;
}

static const void *fake_map(uint64_t pa, size_t len)
{
	for (int i = 0; i < mem->n; i++) {
		struct region *r = &mem->r[i];

		if (pa >= r->pa && pa - r->pa <= r->len &&
		    len <= r->len - (pa - r->pa))
			return r->data + (pa - r->pa);
	}
	return NULL;
}

const void *kern_mm_map_firmware(uint64_t pa, size_t size)
{
	return fake_map(pa, size);
}

void kern_log(enum kern_log_level level, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	(void)level;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	klines = realloc(klines, sizeof(*klines) * (nklines + 1));
	assert_non_null(klines);
	klines[nklines++] = strdup(buf);
	if (strncmp(buf, "acpi-dump ", 10) != 0 && nlog < MAX_LOG)
		snprintf(logs[nlog++], sizeof(logs[0]), "%s", buf);
}

static void fake_log(const char *msg, const char *sig)
{
	if (nlog < MAX_LOG)
		snprintf(logs[nlog++], sizeof(logs[0]), "%s: %s", sig, msg);
}

/* How many logged lines contain needle. */
static int logged(const char *needle)
{
	int n = 0;

	for (int i = 0; i < nlog; i++)
		n += strstr(logs[i], needle) != NULL;
	return n;
}

static uint8_t *read_file(const char *path, size_t len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = malloc(len);

	assert_non_null(f);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, len, f), len);
	fclose(f);
	return p;
}

/* Load one machine's fixtures through its tables.txt index. */
static struct mem *load(const char *machine)
{
	struct mem *m = calloc(1, sizeof(*m));
	char path[512], line[256], file[128];
	FILE *idx;

	assert_non_null(m);
	assert_true(snprintf(path, sizeof(path), "%s/%s/tables.txt", fixtures,
			     machine) < (int)sizeof(path));
	idx = fopen(path, "r");
	assert_non_null(idx);
	while (fgets(line, sizeof(line), idx)) {
		struct region *r = &m->r[m->n];

		if (line[0] == '#')
			continue;
		assert_true(m->n < MAX_REGIONS);
		assert_int_equal(sscanf(line, "%4s %lx %zu %127s", r->sig,
					&r->pa, &r->len, file),
				 4);
		assert_true(snprintf(path, sizeof(path), "%s/%s/%s", fixtures,
				     machine, file) < (int)sizeof(path));
		r->data = read_file(path, r->len);
		if (strcmp(r->sig, "RSDP") == 0)
			m->rsdp = r->pa;
		m->n++;
	}
	fclose(idx);
	assert_int_not_equal(m->rsdp, 0);
	return m;
}

static void unload(struct mem *m)
{
	for (int i = 0; i < m->n; i++)
		free(m->r[i].data);
	free(m);
}

static struct region *find(struct mem *m, const char *sig)
{
	for (int i = 0; i < m->n; i++)
		if (strcmp(m->r[i].sig, sig) == 0)
			return &m->r[i];
	fail_msg("no %s table", sig);
	return NULL;
}

/* Add a table of len bytes (copied from data) at pa. */
static struct region *add(struct mem *m, const char *sig, uint64_t pa,
			  const void *data, size_t len)
{
	struct region *r = &m->r[m->n++];

	assert_true(m->n <= MAX_REGIONS);
	snprintf(r->sig, sizeof(r->sig), "%s", sig);
	r->pa = pa;
	r->len = len;
	r->data = malloc(len);
	assert_non_null(r->data);
	memcpy(r->data, data, len);
	return r;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	memcpy(p, &v, 8);
}

/* Make the n bytes at p sum to zero by adjusting the byte at p[at]. */
static void fix_sum(uint8_t *p, size_t n, size_t at)
{
	uint8_t s = 0;

	p[at] = 0;
	for (size_t i = 0; i < n; i++)
		s += p[i];
	p[at] = (uint8_t)-s;
}

/* Fix a table's checksum over the length its header now gives. */
static void fix_table(struct region *r)
{
	fix_sum(r->data, get32(r->data + 4), 9);
}

/* Fix both RSDP checksums (the extended one for revision 2). */
static void fix_rsdp(struct region *r)
{
	fix_sum(r->data, 20, 8);
	if (r->data[15] >= 2)
		fix_sum(r->data, r->len, 32);
}

static int setup(void **state)
{
	(void)state;
	nlog = 0;
	dump_option = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (mem)
		unload(mem);
	mem = NULL;
	for (int i = 0; i < nklines; i++)
		free(klines[i]);
	free(klines);
	klines = NULL;
	nklines = 0;
	return 0;
}

static int parse(struct kern_acpi_info *info)
{
	return kern_acpi_parse(mem->rsdp, fake_map, fake_log, info);
}

/* The interrupt wiring and LAPIC that pc and q35 share. */
static void check_pc_madt(const struct kern_acpi_info *a)
{
	static const uint8_t level_irqs[] = { 5, 9, 10, 11 };

	assert_true(a->has_madt);
	assert_int_equal(a->lapic_addr, 0xfee00000);
	assert_int_equal(a->ncpus, 1);
	assert_int_equal(a->apic_ids[0], 0);
	assert_true(a->pcat_compat);
	assert_int_equal(a->nioapic, 1);
	assert_int_equal(a->ioapic[0].id, 0);
	assert_int_equal(a->ioapic[0].addr, 0xfec00000);
	assert_int_equal(a->ioapic[0].gsi_base, 0);
	assert_int_equal(a->noverride, 5);
	assert_int_equal(a->override[0].irq, 0);
	assert_int_equal(a->override[0].gsi, 2);
	assert_int_equal(a->override[0].flags, 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(a->override[i + 1].irq, level_irqs[i]);
		assert_int_equal(a->override[i + 1].gsi, level_irqs[i]);
		assert_int_equal(a->override[i + 1].flags, 0xd);
	}
}

/* The fixed-hardware PM registers of pc and q35 (PIIX4 and ICH9 PM). */
static void check_pc_fadt(const struct kern_acpi_info *a)
{
	assert_true(a->has_fadt);
	assert_false(a->hw_reduced);
	assert_int_equal(a->sci_irq, 9);
	assert_int_equal(a->smi_cmd, 0xb2);
	assert_int_equal(a->pm1a_evt, 0x600);
	assert_int_equal(a->pm1_evt_len, 4);
	assert_int_equal(a->pm1a_cnt, 0x604);
	assert_int_equal(a->pm_timer, 0x608);
	assert_false(a->pm_timer_32bit); /* TMR_VAL_EXT clear: 24 bits */
	assert_int_equal(a->sleep_control.addr, 0);
	assert_int_equal(a->sleep_status.addr, 0);
}

static void test_pc(void **state)
{
	struct kern_acpi_info a;

	(void)state;
	mem = load("pc");
	assert_int_equal(parse(&a), 0);
	assert_true(a.valid);
	assert_int_equal(a.revision, 0);
	assert_string_equal(a.oem, "BOCHS ");
	check_pc_madt(&a);
	assert_int_equal(a.nmcfg, 0);
	check_pc_fadt(&a);
	assert_int_equal(a.acpi_enable, 0xf1);
	assert_int_equal(a.reset_reg.addr, 0); /* FADT rev 1: no RESET_REG */
	assert_int_equal(nlog, 0);
}

static void test_q35(void **state)
{
	struct kern_acpi_info a;

	(void)state;
	mem = load("q35");
	assert_int_equal(parse(&a), 0);
	assert_true(a.valid);
	assert_int_equal(a.revision, 0);
	check_pc_madt(&a);
	assert_int_equal(a.nmcfg, 1);
	assert_int_equal(a.mcfg[0].base, 0xb0000000);
	assert_int_equal(a.mcfg[0].segment, 0);
	assert_int_equal(a.mcfg[0].bus_start, 0);
	assert_int_equal(a.mcfg[0].bus_end, 255);
	check_pc_fadt(&a);
	assert_int_equal(a.acpi_enable, 0x02);
	assert_int_equal(a.reset_reg.space, 1); /* port 0xcf9, value 0xf */
	assert_int_equal(a.reset_reg.bit_width, 8);
	assert_int_equal(a.reset_reg.addr, 0xcf9);
	assert_int_equal(a.reset_value, 0x0f);
	assert_int_equal(nlog, 0);
}

static void test_microvm(void **state)
{
	struct kern_acpi_info a;

	(void)state;
	mem = load("microvm");
	assert_int_equal(parse(&a), 0);
	assert_true(a.valid);
	assert_int_equal(a.revision, 2);
	assert_true(a.has_madt);
	assert_int_equal(a.lapic_addr, 0xfee00000);
	assert_int_equal(a.ncpus, 1);
	assert_true(a.pcat_compat);
	assert_int_equal(a.nioapic, 2);
	assert_int_equal(a.ioapic[0].addr, 0xfec00000);
	assert_int_equal(a.ioapic[0].gsi_base, 0);
	assert_int_equal(a.ioapic[1].id, 1);
	assert_int_equal(a.ioapic[1].addr, 0xfec10000);
	assert_int_equal(a.ioapic[1].gsi_base, 24);
	assert_int_equal(a.noverride, 0);
	assert_int_equal(a.nmcfg, 0);
	assert_true(a.has_fadt);
	assert_true(a.hw_reduced);
	assert_int_equal(a.pm_timer, 0);
	assert_int_equal(a.pm1a_cnt, 0);
	assert_int_equal(a.pm1a_evt, 0);
	assert_int_equal(a.smi_cmd, 0);
	/* The GED: sleep control, status and reset in system memory. */
	assert_int_equal(a.sleep_control.space, 0);
	assert_int_equal(a.sleep_control.bit_width, 8);
	assert_int_equal(a.sleep_control.addr, 0xfea00200);
	assert_int_equal(a.sleep_status.addr, 0xfea00201);
	assert_int_equal(a.reset_reg.space, 0);
	assert_int_equal(a.reset_reg.addr, 0xfea00202);
	assert_int_equal(a.reset_value, 0x42);
	assert_int_equal(nlog, 0);
}

static void check_irq(const struct kern_acpi_info *a, unsigned irq,
		      unsigned want_gsi, int want_level, int want_low)
{
	unsigned gsi;
	int level, low;

	kern_acpi_isa_irq(a, irq, &gsi, &level, &low);
	assert_int_equal(gsi, want_gsi);
	assert_int_equal(level, want_level);
	assert_int_equal(low, want_low);
}

static void test_isa_irq(void **state)
{
	struct kern_acpi_info a;

	(void)state;
	mem = load("pc");
	assert_int_equal(parse(&a), 0);
	check_irq(&a, 0, 2, 0, 0); /* PIT on pin 2 */
	check_irq(&a, 4, 4, 0, 0); /* COM1: ISA default */
	check_irq(&a, 9, 9, 1, 0); /* SCI: level, active high */
	check_irq(&a, 11, 11, 1, 0);
	unload(mem);
	mem = load("microvm");
	assert_int_equal(parse(&a), 0);
	check_irq(&a, 0, 0, 0, 0); /* no overrides on microvm */
	check_irq(&a, 4, 4, 0, 0);
}

static void test_isa_irq_flags(void **state)
{
	struct kern_acpi_info a = {
		.noverride = 2, .override = { { 7, 17, 0xf }, { 3, 3, 0x5 } }
	};

	(void)state;
	check_irq(&a, 7, 17, 1, 1); /* level, active low */
	check_irq(&a, 3, 3, 0, 0);  /* explicit edge, active high */
	check_irq(&a, 8, 8, 0, 0);
}

/* Damaged copies: each problem is logged and only its part is lost. */

static void test_bad_checksum_madt(void **state)
{
	struct kern_acpi_info a;

	(void)state;
	mem = load("pc");
	find(mem, "APIC")->data[40] ^= 1;
	assert_int_equal(parse(&a), 0);
	assert_false(a.has_madt);
	assert_int_equal(a.nioapic, 0);
	check_pc_fadt(&a);
	assert_int_equal(logged("APIC: bad checksum"), 1);
	assert_int_equal(nlog, 1);
}

static void test_bad_checksum_fadt(void **state)
{
	struct kern_acpi_info a;

	(void)state;
	mem = load("q35");
	find(mem, "FACP")->data[100] ^= 0x80;
	assert_int_equal(parse(&a), 0);
	assert_false(a.has_fadt);
	assert_int_equal(a.pm_timer, 0);
	check_pc_madt(&a);
	assert_int_equal(a.nmcfg, 1);
	assert_int_equal(logged("FACP: bad checksum"), 1);
}

static void test_bad_checksum_root(void **state)
{
	struct kern_acpi_info a;

	(void)state;
	mem = load("pc");
	find(mem, "RSDT")->data[20] ^= 1;
	assert_int_equal(parse(&a), 0);
	assert_true(a.valid);
	assert_false(a.has_madt);
	assert_false(a.has_fadt);
	assert_int_equal(logged("RSDT: bad checksum"), 1);
}

static void test_length_too_small(void **state)
{
	struct kern_acpi_info a;
	struct region *r;

	(void)state;
	mem = load("pc");
	r = find(mem, "APIC");
	put32(r->data + 4, 20);
	fix_table(r);
	assert_int_equal(parse(&a), 0);
	assert_false(a.has_madt);
	check_pc_fadt(&a);
	assert_int_equal(logged("APIC: table length out of range"), 1);
}

static void test_length_past_mapping(void **state)
{
	struct kern_acpi_info a;

	(void)state;
	mem = load("pc");
	put32(find(mem, "APIC")->data + 4, 4096);
	assert_int_equal(parse(&a), 0);
	assert_false(a.has_madt);
	check_pc_fadt(&a);
	assert_int_equal(logged("APIC: table cannot be mapped"), 1);
}

static void test_madt_shorter_than_fixed_part(void **state)
{
	struct kern_acpi_info a;
	struct region *r;

	(void)state;
	mem = load("pc");
	r = find(mem, "APIC");
	put32(r->data + 4, 40);
	fix_table(r);
	assert_int_equal(parse(&a), 0);
	assert_false(a.has_madt);
	assert_int_equal(logged("APIC: table too short"), 1);
}

/* A MADT whose length ends inside an entry keeps the entries before it. */
static void test_madt_truncated_in_entry(void **state)
{
	struct kern_acpi_info a;
	struct region *r;

	(void)state;
	mem = load("pc");
	r = find(mem, "APIC");
	put32(r->data + 4, 44 + 8 + 12 + 5);
	fix_table(r);
	assert_int_equal(parse(&a), 0);
	assert_true(a.has_madt);
	assert_int_equal(a.ncpus, 1);
	assert_int_equal(a.nioapic, 1);
	assert_int_equal(a.noverride, 0);
	assert_int_equal(logged("APIC: bad entry length"), 1);
}

/* An entry of length 0 (or 1, shorter than its own header) ends the walk;
 * the entries before it are kept. */
static void test_madt_entry_length_zero(void **state)
{
	struct kern_acpi_info a;
	struct region *r;

	(void)state;
	mem = load("pc");
	r = find(mem, "APIC");
	assert_int_equal(r->data[52], 1); /* the I/O APIC entry */
	for (int len = 0; len < 2; len++) {
		nlog = 0;
		r->data[53] = (uint8_t)len;
		fix_table(r);
		assert_int_equal(parse(&a), 0);
		assert_true(a.has_madt);
		assert_int_equal(a.ncpus, 1);
		assert_int_equal(a.nioapic, 0);
		assert_int_equal(a.noverride, 0);
		assert_int_equal(logged("APIC: bad entry length"), 1);
		assert_int_equal(nlog, 1);
		check_pc_fadt(&a);
	}
}

/* An entry too short for its type is skipped; the walk goes on. */
static void test_madt_entry_short_for_type(void **state)
{
	struct kern_acpi_info a;
	struct region *r;

	(void)state;
	mem = load("pc");
	r = find(mem, "APIC");
	assert_int_equal(r->data[114], 4); /* the last entry: LAPIC NMI */
	r->data[114] = 1;		   /* an "I/O APIC" of 6 bytes */
	fix_table(r);
	assert_int_equal(parse(&a), 0);
	assert_int_equal(a.nioapic, 1);
	assert_int_equal(a.noverride, 5);
	assert_int_equal(logged("APIC: short entry skipped"), 1);
}

/* A MADT with more entries than kern_acpi_info holds, at a new address. */
static void test_madt_overflow(void **state)
{
	uint8_t t[44 + 8 * 80 + 10 * 20 + 12 * 6] = { 0 };
	struct kern_acpi_info a;
	struct region *rsdt;
	size_t off = 44;

	(void)state;
	mem = load("pc");
	memcpy(t, find(mem, "APIC")->data, 44);
	for (int i = 0; i < 80; i++, off += 8) /* 72 of 80 CPUs enabled */
		memcpy(t + off,
		       (uint8_t[]){ 0, 8, i, i, i % 10 == 9 ? 0 : 1, 0, 0, 0 },
		       8);
	for (int i = 0; i < 20; i++, off += 10)
		memcpy(t + off, (uint8_t[]){ 2, 10, 0, i, i, 0, 0, 0, 0, 0 },
		       10);
	for (int i = 0; i < 6; i++, off += 12)
		memcpy(t + off,
		       (uint8_t[]){ 1, 12, i, 0, 0, 0, 0xc0 + i, 0xfe, 0, 0, 0,
				    0 },
		       12);
	put32(t + 4, sizeof(t));
	fix_sum(t, sizeof(t), 9);
	add(mem, "APIC", SPARE, t, sizeof(t));
	rsdt = find(mem, "RSDT");
	put32(rsdt->data + 40, SPARE); /* was the MADT's address */
	fix_table(rsdt);
	assert_int_equal(parse(&a), 0);
	assert_int_equal(a.ncpus, KERN_ACPI_MAX_CPU);
	assert_int_equal(a.apic_ids[8], 8);
	assert_int_equal(a.apic_ids[9], 10);
	assert_int_equal(a.apic_ids[63], 70);
	assert_int_equal(logged("too many CPUs"), 8);
	assert_int_equal(a.noverride, KERN_ACPI_MAX_OVERRIDE);
	assert_int_equal(a.override[15].irq, 15);
	assert_int_equal(a.nioapic, KERN_ACPI_MAX_IOAPIC);
	assert_int_equal(a.ioapic[3].addr, 0xfec30000);
	assert_int_equal(logged("too many interrupt overrides"), 4);
	assert_int_equal(logged("too many I/O APICs"), 2);
}

static void test_rsdp_bad_checksum(void **state)
{
	struct kern_acpi_info a;

	(void)state;
	mem = load("pc");
	find(mem, "RSDP")->data[10] ^= 1;
	assert_int_equal(parse(&a), -ENOENT);
	assert_false(a.valid);
	assert_false(a.has_madt);
	assert_int_equal(logged("RSDP: bad signature or checksum"), 1);
}

static void test_rsdp_bad_signature(void **state)
{
	struct kern_acpi_info a;
	struct region *r;

	(void)state;
	mem = load("q35");
	r = find(mem, "RSDP");
	r->data[0] = 'X';
	fix_rsdp(r);
	assert_int_equal(parse(&a), -ENOENT);
	assert_false(a.valid);
}

static void test_rsdp_bad_extended_checksum(void **state)
{
	struct kern_acpi_info a;

	(void)state;
	mem = load("microvm");
	find(mem, "RSDP")->data[33] ^= 1; /* reserved: only the second sum */
	assert_int_equal(parse(&a), -ENOENT);
	assert_false(a.valid);
	assert_int_equal(logged("RSDP: bad extended"), 1);
}

static void test_rsdp_unmapped(void **state)
{
	struct kern_acpi_info a;

	(void)state;
	mem = load("pc");
	memset(&a, 0xa5, sizeof(a));
	assert_int_equal(kern_acpi_parse(0, fake_map, fake_log, &a), -ENOENT);
	assert_false(a.valid);
	assert_int_equal(kern_acpi_parse(UNMAPPED, fake_map, fake_log, &a),
			 -ENOENT);
	assert_false(a.valid);
}

static void test_xsdt_unmapped(void **state)
{
	struct kern_acpi_info a;
	struct region *r;

	(void)state;
	mem = load("microvm");
	r = find(mem, "RSDP");
	put64(r->data + 24, UNMAPPED);
	fix_rsdp(r);
	assert_int_equal(parse(&a), 0);
	assert_true(a.valid);
	assert_int_equal(a.revision, 2);
	assert_false(a.has_madt);
	assert_false(a.has_fadt);
	assert_int_equal(logged("table header cannot be mapped"), 1);
}

/* A bad XSDT falls back to the RSDT when the RSDP gives one. */
static void test_xsdt_bad_rsdt_fallback(void **state)
{
	uint8_t rsdt[44];
	struct kern_acpi_info a;
	struct region *x = NULL, *rsdp;

	(void)state;
	mem = load("microvm");
	x = find(mem, "XSDT");
	memcpy(rsdt, x->data, 36);
	memcpy(rsdt, "RSDT", 4);
	put32(rsdt + 4, sizeof(rsdt));
	put32(rsdt + 36, (uint32_t)find(mem, "FACP")->pa);
	put32(rsdt + 40, (uint32_t)find(mem, "APIC")->pa);
	fix_sum(rsdt, sizeof(rsdt), 9);
	add(mem, "RSDT", SPARE, rsdt, sizeof(rsdt));
	rsdp = find(mem, "RSDP");
	put32(rsdp->data + 16, SPARE);
	fix_rsdp(rsdp);
	x->data[40] ^= 1;
	assert_int_equal(parse(&a), 0);
	assert_int_equal(a.nioapic, 2);
	assert_true(a.hw_reduced);
	assert_int_equal(logged("XSDT: bad checksum"), 1);
	assert_int_equal(logged("XSDT unusable, using the RSDT"), 1);
}

static void test_root_entry_unmapped(void **state)
{
	struct kern_acpi_info a;
	struct region *r;

	(void)state;
	mem = load("q35");
	r = find(mem, "RSDT");
	put32(r->data + 36 + 4 * 2, UNMAPPED); /* was the HPET */
	fix_table(r);
	assert_int_equal(parse(&a), 0);
	check_pc_madt(&a);
	check_pc_fadt(&a);
	assert_int_equal(a.nmcfg, 1);
	assert_int_equal(logged("????: table header cannot be mapped"), 1);
}

static void test_duplicate_table(void **state)
{
	struct kern_acpi_info a;
	struct region *r;

	(void)state;
	mem = load("pc");
	r = find(mem, "RSDT");
	put32(r->data + 36 + 4 * 2, get32(r->data + 36 + 4)); /* MADT twice */
	fix_table(r);
	assert_int_equal(parse(&a), 0);
	check_pc_madt(&a);
	assert_int_equal(logged("APIC: duplicate table ignored"), 1);
}

static void test_fadt_too_short(void **state)
{
	struct kern_acpi_info a;
	struct region *r;

	(void)state;
	mem = load("pc");
	r = find(mem, "FACP");
	put32(r->data + 4, 100);
	fix_table(r);
	assert_int_equal(parse(&a), 0);
	assert_false(a.has_fadt);
	check_pc_madt(&a);
	assert_int_equal(logged("FACP: table too short"), 1);
}

/* A non-zero X_ I/O field wins over the 32-bit one; a memory one not. */
static void test_fadt_x_fields(void **state)
{
	struct kern_acpi_info a;
	struct region *r;

	(void)state;
	mem = load("q35");
	r = find(mem, "FACP");
	put64(r->data + 208 + 4, 0x708);		      /* X_PM_TMR_BLK */
	put32(r->data + 112, get32(r->data + 112) | 1u << 8); /* TMR_VAL_EXT */
	fix_table(r);
	assert_int_equal(parse(&a), 0);
	assert_int_equal(a.pm_timer, 0x708);
	assert_true(a.pm_timer_32bit);
	r->data[208] = 0; /* system memory: not a port */
	fix_table(r);
	assert_int_equal(parse(&a), 0);
	assert_int_equal(a.pm_timer, 0x608);
}

/* The parse zeroes *info first: no stale fields survive. */
static void test_info_zeroed(void **state)
{
	struct kern_acpi_info a;

	(void)state;
	mem = load("microvm");
	memset(&a, 0xff, sizeof(a));
	assert_int_equal(parse(&a), 0);
	assert_int_equal(a.nmcfg, 0);
	assert_int_equal(a.noverride, 0);
	assert_int_equal(a.pm_timer, 0);
	assert_int_equal(a.apic_ids[1], 0);
	assert_int_equal(a.oem[6], 0);
}

/* kern_acpi_init: the summary line, on each machine. */

static void check_summary(const char *machine, const char *want)
{
	mem = load(machine);
	kern_acpi_init(mem->rsdp, &cmdline);
	assert_true(kern_acpi.valid);
	assert_int_equal(nlog, 1);
	assert_string_equal(logs[0], want);
	assert_true(strlen(logs[0]) < 150);
	unload(mem);
	mem = NULL;
	nlog = 0;
}

static void test_init_summary(void **state)
{
	(void)state;
	check_summary("pc", "acpi: RSDP rev 0 (BOCHS), MADT: 1 CPU, IOAPIC "
			    "0xfec00000 gsi 0, 5 override(s); FADT: PM timer "
			    "0x608, SCI 9");
	check_summary("q35", "acpi: RSDP rev 0 (BOCHS), MADT: 1 CPU, IOAPIC "
			     "0xfec00000 gsi 0, 5 override(s); MCFG "
			     "0xb0000000; FADT: PM timer 0x608, SCI 9");
	check_summary("microvm",
		      "acpi: RSDP rev 2 (BOCHS), MADT: 1 CPU, IOAPIC "
		      "0xfec00000 gsi 0, 0xfec10000 gsi 24, 0 override(s); "
		      "FADT: hardware-reduced, sleep control 0xfea00200");
}

static void test_init_no_rsdp(void **state)
{
	(void)state;
	mem = load("pc");
	kern_acpi_init(0, &cmdline);
	assert_false(kern_acpi.valid);
	assert_int_equal(nlog, 1);
	assert_string_equal(logs[0], "acpi: no RSDP");
	nlog = 0;
	find(mem, "RSDP")->data[8] ^= 1;
	kern_acpi_init(mem->rsdp, &cmdline);
	assert_false(kern_acpi.valid);
	assert_int_equal(logged("acpi: RSDP: bad signature or checksum"), 1);
	assert_int_equal(logged("acpi: no valid RSDP at 0xf35e0"), 1);
	assert_int_equal(nklines, 3);
}

/* Put one dump line's bytes into the matching fixture copy. */
static void undump(struct mem *copy, const char *line)
{
	char sig[8], hex[128];
	uint64_t pa;
	size_t n;
	uint8_t *p;

	assert_int_equal(sscanf(line, "acpi-dump %7s 0x%lx %zu %127s", sig, &pa,
				&n, hex),
			 4);
	assert_true(n >= 1 && n <= 32);
	assert_int_equal(strlen(hex), 2 * n);
	mem = copy;
	p = (uint8_t *)fake_map(pa, n);
	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(sscanf(hex + 2 * i, "%2hhx", &p[i]), 1);
}

/* acpi.dump prints every fixture table, RSDP, DSDT and FACS included,
 * so that the dump rebuilds the fixtures byte for byte. */
static void test_init_dump(void **state)
{
	const char *machines[] = { "pc", "q35", "microvm" };

	(void)state;
	for (int m = 0; m < 3; m++) {
		struct mem *orig = load(machines[m]), *copy = load(machines[m]);

		for (int i = 0; i < copy->n; i++)
			memset(copy->r[i].data, 0, copy->r[i].len);
		dump_option = 1;
		mem = orig;
		kern_acpi_init(orig->rsdp, &cmdline);
		assert_true(kern_acpi.valid);
		for (int i = 0; i < nklines; i++)
			if (strncmp(klines[i], "acpi-dump ", 10) == 0)
				undump(copy, klines[i]);
		for (int i = 0; i < orig->n; i++)
			assert_memory_equal(orig->r[i].data, copy->r[i].data,
					    orig->r[i].len);
		unload(copy);
		mem = orig;
		teardown(state);
	}
}

static void find_fixtures(void)
{
#ifdef FIXTURES
	snprintf(fixtures, sizeof(fixtures), "%s", FIXTURES);
#else
	const char *slash = strrchr(__FILE__, '/');

	if (__FILE__[0] != '/' || !slash) {
		fprintf(stderr,
			"test_acpi: %s is not an absolute path; "
			"build with -DFIXTURES=dir\n",
			__FILE__);
		exit(1);
	}
	snprintf(fixtures, sizeof(fixtures), "%.*s/../fixtures/acpi",
		 (int)(slash - __FILE__), __FILE__);
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_q35, setup, teardown),
		cmocka_unit_test_setup_teardown(test_microvm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_isa_irq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_isa_irq_flags, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_checksum_madt, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_checksum_fadt, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_checksum_root, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_length_too_small, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_length_past_mapping, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_madt_shorter_than_fixed_part, setup, teardown),
		cmocka_unit_test_setup_teardown(test_madt_truncated_in_entry,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_madt_entry_length_zero,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_madt_entry_short_for_type,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_madt_overflow, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rsdp_bad_checksum, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rsdp_bad_signature, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rsdp_bad_extended_checksum,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_rsdp_unmapped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_xsdt_unmapped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_xsdt_bad_rsdt_fallback,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_entry_unmapped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_table, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fadt_too_short, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fadt_x_fields, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_info_zeroed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_init_summary, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_init_no_rsdp, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_init_dump, setup,
						teardown),
	};

	find_fixtures();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
