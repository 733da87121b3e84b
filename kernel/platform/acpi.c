/* ACPI tables without AML: RSDP, RSDT/XSDT, MADT, MCFG and FADT parsed
 * through a map callback, plus the boot-time wrapper (summary, acpi.dump). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <kern/acpi.h>
#include <kern/cmdline.h>
#include <kern/console.h>
#include <kern/mm.h>

#define RSDP_V1_LEN 20 /* ACPI 1.0 part, covered by the first checksum */
#define RSDP_MAX_LEN 4096
#define SDT_HEADER_LEN 36
#define TABLE_MAX_LEN (1u << 20) /* sanity bound on one table */

#define MADT_ENTRIES 44 /* after the LAPIC address and flags */
#define MADT_PCAT_COMPAT (1u << 0)
#define MADT_LAPIC 0
#define MADT_IOAPIC 1
#define MADT_OVERRIDE 2
#define MADT_LAPIC_ADDR 5
#define LAPIC_ENABLED (1u << 0)

#define MCFG_ENTRIES 44 /* after 8 reserved bytes */
#define MCFG_ENTRY_LEN 16

/* FADT byte offsets (ACPI 6.x, table 5.9) and flags. */
#define FADT_FACS 36
#define FADT_DSDT 40
#define FADT_SCI_INT 46
#define FADT_SMI_CMD 48
#define FADT_ACPI_ENABLE 52
#define FADT_PM1A_EVT 56
#define FADT_PM1A_CNT 64
#define FADT_PM_TMR 76
#define FADT_PM1_EVT_LEN 88
#define FADT_FLAGS 112
#define FADT_V1_LEN 116 /* ACPI 1.0 size: everything up to the flags */
#define FADT_RESET_REG 116
#define FADT_RESET_VALUE 128
#define FADT_X_FACS 132
#define FADT_X_DSDT 140
#define FADT_X_PM1A_EVT 148
#define FADT_X_PM1A_CNT 172
#define FADT_X_PM_TMR 208
#define FADT_SLEEP_CONTROL 244
#define FADT_SLEEP_STATUS 256
#define FADT_TMR_VAL_EXT (1u << 8)
#define FADT_RESET_REG_SUP (1u << 10)
#define FADT_HW_REDUCED (1u << 20)

#define GAS_LEN 12
#define GAS_IO 1

#define DUMP_CHUNK 32

struct kern_acpi_info kern_acpi;

/* Called for every table mapped whole (checksum not yet checked). */
typedef void (*visit_fn)(const char *sig, uint64_t pa, const uint8_t *p,
			 size_t len);

/* One parse: the callbacks, the result, and which tables were taken. */
struct ctx {
	kern_acpi_map_fn map;
	kern_acpi_log_fn log;
	visit_fn visit;
	struct kern_acpi_info *info;
	unsigned seen;
};

enum {
	SEEN_MADT = 1,
	SEEN_MCFG = 2,
	SEEN_FADT = 4
};

static uint16_t rd16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint8_t checksum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return s;
}

/* A table signature as a printable C string. */
static void sig_str(char out[5], const uint8_t *p)
{
	for (int i = 0; i < 4; i++)
		out[i] = p[i] > ' ' && p[i] < 0x7f ? (char)p[i] : '?';
	out[4] = '\0';
}

/* Map the table at pa (header first, for its length), and report it to
 * the visitor; NULL, logged, when it cannot be mapped or its length is
 * not sane. *len and sig are set when the header could be read. */
static const uint8_t *map_table(struct ctx *c, uint64_t pa, uint32_t *len,
				char sig[5])
{
	const uint8_t *p = c->map(pa, SDT_HEADER_LEN);

	strcpy(sig, "????");
	if (!p) {
		c->log("table header cannot be mapped", sig);
		return NULL;
	}
	sig_str(sig, p);
	*len = rd32(p + 4);
	if (*len < SDT_HEADER_LEN || *len > TABLE_MAX_LEN) {
		c->log("table length out of range", sig);
		return NULL;
	}
	p = c->map(pa, *len);
	if (!p) {
		c->log("table cannot be mapped", sig);
		return NULL;
	}
	if (c->visit)
		c->visit(sig, pa, p, *len);
	return p;
}

/* map_table, then the checksum over the whole table. */
static const uint8_t *load_table(struct ctx *c, uint64_t pa, uint32_t *len,
				 char sig[5])
{
	const uint8_t *p = map_table(c, pa, len, sig);

	if (p && checksum(p, *len)) {
		c->log("bad checksum, table skipped", sig);
		return NULL;
	}
	return p;
}

/* Take the table once: later tables with the same signature are logged. */
static int first_of_kind(struct ctx *c, unsigned bit, const char *sig)
{
	if (c->seen & bit) {
		c->log("duplicate table ignored", sig);
		return 0;
	}
	c->seen |= bit;
	return 1;
}

static void madt_lapic(struct ctx *c, const uint8_t *e)
{
	struct kern_acpi_info *i = c->info;

	if (!(rd32(e + 4) & LAPIC_ENABLED))
		return;
	if (i->ncpus == KERN_ACPI_MAX_CPU) {
		c->log("too many CPUs, extra ones ignored", "APIC");
		return;
	}
	i->apic_ids[i->ncpus++] = e[3];
}

static void madt_ioapic(struct ctx *c, const uint8_t *e)
{
	struct kern_acpi_info *i = c->info;
	struct kern_acpi_ioapic *io;

	if (i->nioapic == KERN_ACPI_MAX_IOAPIC) {
		c->log("too many I/O APICs, extra ones ignored", "APIC");
		return;
	}
	io = &i->ioapic[i->nioapic++];
	io->id = e[2];
	io->addr = rd32(e + 4);
	io->gsi_base = rd32(e + 8);
}

static void madt_override(struct ctx *c, const uint8_t *e)
{
	struct kern_acpi_info *i = c->info;
	struct kern_acpi_override *o;

	if (i->noverride == KERN_ACPI_MAX_OVERRIDE) {
		c->log("too many interrupt overrides, extra ones ignored",
		       "APIC");
		return;
	}
	o = &i->override[i->noverride++];
	o->irq = e[3];
	o->gsi = rd32(e + 4);
	o->flags = rd16(e + 8);
}

static void madt_lapic_addr(struct ctx *c, const uint8_t *e)
{
	uint64_t addr = rd64(e + 4);

	if (addr >> 32) {
		c->log("local APIC above 4 GiB ignored", "APIC");
		return;
	}
	c->info->lapic_addr = (uint32_t)addr;
}

/* One MADT entry of a type we use, if it is long enough for that type. */
static void madt_entry(struct ctx *c, const uint8_t *e)
{
	static const struct {
		uint8_t len;
		void (*fn)(struct ctx *c, const uint8_t *e);
	} types[] = {
		[MADT_LAPIC] = { 8, madt_lapic },
		[MADT_IOAPIC] = { 12, madt_ioapic },
		[MADT_OVERRIDE] = { 10, madt_override },
		[MADT_LAPIC_ADDR] = { 12, madt_lapic_addr },
	};

	if (e[0] >= sizeof(types) / sizeof(types[0]) || !types[e[0]].fn)
		return;
	if (e[1] < types[e[0]].len) {
		c->log("short entry skipped", "APIC");
		return;
	}
	types[e[0]].fn(c, e);
}

static void parse_madt(struct ctx *c, const uint8_t *t, uint32_t len)
{
	struct kern_acpi_info *i = c->info;

	if (len < MADT_ENTRIES) {
		c->log("table too short, skipped", "APIC");
		return;
	}
	i->has_madt = 1;
	i->lapic_addr = rd32(t + 36);
	i->pcat_compat = !!(rd32(t + 40) & MADT_PCAT_COMPAT);
	for (uint32_t off = MADT_ENTRIES; off < len; off += t[off + 1]) {
		if (len - off < 2 || t[off + 1] < 2 || t[off + 1] > len - off) {
			c->log("bad entry length, rest of table ignored",
			       "APIC");
			return;
		}
		madt_entry(c, t + off);
	}
}

static void parse_mcfg(struct ctx *c, const uint8_t *t, uint32_t len)
{
	struct kern_acpi_info *i = c->info;
	struct kern_acpi_mcfg *m;

	for (uint32_t off = MCFG_ENTRIES; off + MCFG_ENTRY_LEN <= len;
	     off += MCFG_ENTRY_LEN) {
		if (i->nmcfg == KERN_ACPI_MAX_MCFG) {
			c->log("too many entries, extra ones ignored", "MCFG");
			return;
		}
		m = &i->mcfg[i->nmcfg++];
		m->base = rd64(t + off);
		m->segment = rd16(t + off + 8);
		m->bus_start = t[off + 10];
		m->bus_end = t[off + 11];
	}
}

/* Does the FADT reach past field [off, off + n)? */
static int fadt_has(uint32_t len, unsigned off, unsigned n)
{
	return len >= off + n;
}

static void read_gas(struct kern_acpi_gas *g, const uint8_t *p)
{
	g->space = p[0];
	g->bit_width = p[1];
	g->addr = rd64(p + 4);
}

/* A PM block's port: the X_ field at xoff when the table has one that
 * names a non-zero I/O port, else the 32-bit field at off. */
static uint32_t fadt_port(const uint8_t *t, uint32_t len, unsigned off,
			  unsigned xoff)
{
	uint64_t x;

	if (t[8] >= 3 && fadt_has(len, xoff, GAS_LEN) && t[xoff] == GAS_IO) {
		x = rd64(t + xoff + 4);
		if (x && x <= 0xffff)
			return (uint32_t)x;
	}
	return rd32(t + off);
}

/* The fixed-hardware PM registers, absent on hardware-reduced ACPI. */
static void fadt_pm(struct kern_acpi_info *i, const uint8_t *t, uint32_t len,
		    uint32_t flags)
{
	i->smi_cmd = rd32(t + FADT_SMI_CMD);
	i->acpi_enable = t[FADT_ACPI_ENABLE];
	i->pm1a_evt = fadt_port(t, len, FADT_PM1A_EVT, FADT_X_PM1A_EVT);
	i->pm1_evt_len = t[FADT_PM1_EVT_LEN];
	i->pm1a_cnt = fadt_port(t, len, FADT_PM1A_CNT, FADT_X_PM1A_CNT);
	i->pm_timer = fadt_port(t, len, FADT_PM_TMR, FADT_X_PM_TMR);
	i->pm_timer_32bit = i->pm_timer && (flags & FADT_TMR_VAL_EXT);
}

/* Show the DSDT and FACS, which hang off the FADT, to the visitor. */
static void visit_fadt_refs(struct ctx *c, const uint8_t *t, uint32_t len)
{
	static const unsigned off[2][2] = { { FADT_X_DSDT, FADT_DSDT },
					    { FADT_X_FACS, FADT_FACS } };
	uint32_t tlen;
	uint64_t pa;
	char sig[5];

	for (int k = 0; k < 2; k++) {
		pa = 0;
		if (fadt_has(len, off[k][0], 8))
			pa = rd64(t + off[k][0]);
		if (!pa)
			pa = rd32(t + off[k][1]);
		if (pa)
			map_table(c, pa, &tlen, sig);
	}
}

static void parse_fadt(struct ctx *c, const uint8_t *t, uint32_t len)
{
	struct kern_acpi_info *i = c->info;
	uint32_t flags;

	if (len < FADT_V1_LEN) {
		c->log("table too short, skipped", "FACP");
		return;
	}
	flags = rd32(t + FADT_FLAGS);
	i->has_fadt = 1;
	i->hw_reduced = !!(flags & FADT_HW_REDUCED);
	i->sci_irq = rd16(t + FADT_SCI_INT);
	if (!i->hw_reduced)
		fadt_pm(i, t, len, flags);
	if ((flags & FADT_RESET_REG_SUP) &&
	    fadt_has(len, FADT_RESET_VALUE, 1)) {
		read_gas(&i->reset_reg, t + FADT_RESET_REG);
		i->reset_value = t[FADT_RESET_VALUE];
	}
	if (t[8] >= 5 && fadt_has(len, FADT_SLEEP_STATUS, GAS_LEN)) {
		read_gas(&i->sleep_control, t + FADT_SLEEP_CONTROL);
		read_gas(&i->sleep_status, t + FADT_SLEEP_STATUS);
	}
	if (c->visit)
		visit_fadt_refs(c, t, len);
}

/* One table listed in the RSDT/XSDT. */
static void parse_table(struct ctx *c, uint64_t pa)
{
	uint32_t len;
	char sig[5];
	const uint8_t *t = load_table(c, pa, &len, sig);

	if (!t)
		return;
	if (!memcmp(sig, "APIC", 4) && first_of_kind(c, SEEN_MADT, sig))
		parse_madt(c, t, len);
	else if (!memcmp(sig, "MCFG", 4) && first_of_kind(c, SEEN_MCFG, sig))
		parse_mcfg(c, t, len);
	else if (!memcmp(sig, "FACP", 4) && first_of_kind(c, SEEN_FADT, sig))
		parse_fadt(c, t, len);
}

/* Walk the RSDT (4-byte entries) or XSDT (8-byte); -EINVAL, logged, when
 * the root table itself is unusable. */
static int parse_root(struct ctx *c, uint64_t pa, int xsdt)
{
	const char *want = xsdt ? "XSDT" : "RSDT";
	unsigned step = xsdt ? 8 : 4;
	uint32_t len;
	char sig[5];
	const uint8_t *t = load_table(c, pa, &len, sig);

	if (!t)
		return -EINVAL;
	if (memcmp(sig, want, 4)) {
		c->log("root table has the wrong signature", sig);
		return -EINVAL;
	}
	for (uint32_t off = SDT_HEADER_LEN; off + step <= len; off += step)
		parse_table(c, xsdt ? rd64(t + off) : rd32(t + off));
	return 0;
}

/* Map and check the RSDP; its length (20 or the extended length), or
 * -ENOENT, logged. */
static int map_rsdp(struct ctx *c, uint64_t pa, const uint8_t **rsdp)
{
	const uint8_t *p = pa ? c->map(pa, RSDP_V1_LEN) : NULL;
	uint32_t len = RSDP_V1_LEN;

	if (!p || memcmp(p, "RSD PTR ", 8) || checksum(p, RSDP_V1_LEN)) {
		c->log(p ? "bad signature or checksum" : "cannot be mapped",
		       "RSDP");
		return -ENOENT;
	}
	if (p[15] >= 2) {
		len = rd32(p + 20);
		p = len >= 36 && len <= RSDP_MAX_LEN ? c->map(pa, len) : NULL;
		if (!p || checksum(p, len)) {
			c->log("bad extended length or checksum", "RSDP");
			return -ENOENT;
		}
	}
	*rsdp = p;
	return (int)len;
}

static int parse(struct ctx *c, uint64_t rsdp_pa)
{
	struct kern_acpi_info *i = c->info;
	const uint8_t *p;
	uint64_t xsdt = 0;
	int len = map_rsdp(c, rsdp_pa, &p);

	if (len < 0)
		return len;
	if (c->visit)
		c->visit("RSDP", rsdp_pa, p, (size_t)len);
	i->valid = 1;
	i->revision = p[15];
	memcpy(i->oem, p + 9, 6);
	i->oem[6] = '\0';
	if (i->revision >= 2)
		xsdt = rd64(p + 24);
	if (xsdt && parse_root(c, xsdt, 1) == 0)
		return 0;
	if (rd32(p + 16)) {
		if (xsdt)
			c->log("XSDT unusable, using the RSDT", "RSDP");
		parse_root(c, rd32(p + 16), 0);
	}
	return 0;
}

int kern_acpi_parse(uint64_t rsdp_pa, kern_acpi_map_fn map,
		    kern_acpi_log_fn log, struct kern_acpi_info *info)
{
	struct ctx c = { .map = map, .log = log, .info = info };

	memset(info, 0, sizeof(*info));
	return parse(&c, rsdp_pa);
}

void kern_acpi_isa_irq(const struct kern_acpi_info *info, unsigned irq,
		       unsigned *gsi, int *level, int *active_low)
{
	unsigned polarity = 0, trigger = 0;

	*gsi = irq;
	for (int k = 0; k < info->noverride; k++) {
		if (info->override[k].irq != irq)
			continue;
		*gsi = info->override[k].gsi;
		polarity = info->override[k].flags & 3;
		trigger = (info->override[k].flags >> 2) & 3;
		break;
	}
	*active_low = polarity == 3;
	*level = trigger == 3;
}

/* The boot-time side: kernel log, acpi.dump, and the summary line. */

static void log_problem(const char *msg, const char *sig)
{
	kern_info("acpi: %s: %s", sig, msg);
}

/* Print one table as lines of at most DUMP_CHUNK bytes in hex. Asked for
 * explicitly, so printed at every log level. */
static void dump_table(const char *sig, uint64_t pa, const uint8_t *p,
		       size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char hex[2 * DUMP_CHUNK + 1];
	size_t n;

	for (size_t off = 0; off < len; off += n) {
		n = len - off < DUMP_CHUNK ? len - off : DUMP_CHUNK;
		for (size_t k = 0; k < n; k++) {
			hex[2 * k] = digits[p[off + k] >> 4];
			hex[2 * k + 1] = digits[p[off + k] & 15];
		}
		hex[2 * n] = '\0';
		kern_log(KERN_LOG_QUIET, "acpi-dump %s 0x%lx %zu %s", sig,
			 (unsigned long)(pa + off), n, hex);
	}
}

/* A line built piece by piece; output past the end is dropped. */
struct line {
	char buf[192];
	size_t len;
};

__attribute__((format(printf, 2, 3))) static void add(struct line *l,
						      const char *fmt, ...)
{
	size_t room = sizeof(l->buf) - l->len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, room, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->len += (size_t)n < room ? (size_t)n : room - 1;
}

static void summary_madt(struct line *l, const struct kern_acpi_info *a)
{
	add(l, ", MADT: %d CPU%s", a->ncpus, a->ncpus == 1 ? "" : "s");
	for (int k = 0; k < a->nioapic; k++)
		add(l, "%s 0x%x gsi %u", k ? "," : ", IOAPIC",
		    (unsigned)a->ioapic[k].addr,
		    (unsigned)a->ioapic[k].gsi_base);
	add(l, ", %d override(s)", a->noverride);
}

static void summary_fadt(struct line *l, const struct kern_acpi_info *a)
{
	add(l, "; FADT: ");
	if (a->hw_reduced) {
		add(l, "hardware-reduced, sleep control 0x%llx",
		    (unsigned long long)a->sleep_control.addr);
		return;
	}
	if (a->pm_timer)
		add(l, "PM timer 0x%x", (unsigned)a->pm_timer);
	else
		add(l, "no PM timer");
	add(l, ", SCI %u", (unsigned)a->sci_irq);
}

static void summary(const struct kern_acpi_info *a)
{
	struct line l = { .len = 0 };
	int oem = 6;

	while (oem > 0 && (a->oem[oem - 1] == ' ' || !a->oem[oem - 1]))
		oem--;
	add(&l, "acpi: RSDP rev %u (%.*s)", (unsigned)a->revision, oem, a->oem);
	if (a->has_madt)
		summary_madt(&l, a);
	else
		add(&l, ", no MADT");
	for (int k = 0; k < a->nmcfg; k++)
		add(&l, "%s 0x%llx", k ? "," : "; MCFG",
		    (unsigned long long)a->mcfg[k].base);
	if (a->has_fadt)
		summary_fadt(&l, a);
	else
		add(&l, "; no FADT");
	kern_info("%s", l.buf);
}

void kern_acpi_init(uint64_t rsdp_pa, struct kern_cmdline *cl)
{
	struct ctx c = { .map = kern_mm_map_firmware,
			 .log = log_problem,
			 .info = &kern_acpi };

	if (kern_cmdline_take(cl, "acpi.dump"))
		c.visit = dump_table;
	memset(&kern_acpi, 0, sizeof(kern_acpi));
	if (!rsdp_pa) {
		kern_info("acpi: no RSDP");
		return;
	}
	if (parse(&c, rsdp_pa)) {
		kern_info("acpi: no valid RSDP at 0x%lx",
			  (unsigned long)rsdp_pa);
		return;
	}
	summary(&kern_acpi);
}
