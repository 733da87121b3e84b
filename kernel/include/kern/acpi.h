/* ACPI firmware tables, read without an AML interpreter: RSDP, RSDT/XSDT,
 * MADT, MCFG and FADT. Parsing is defensive: a table with a bad checksum or
 * a length that runs past its mapping is logged and skipped. The parser
 * reaches physical memory only through the map callback, so it is pure
 * code and unit-tested against table dumps recorded from QEMU. */
#ifndef KERN_ACPI_H
#define KERN_ACPI_H

#include <stddef.h>
#include <stdint.h>

struct kern_cmdline;

#define KERN_ACPI_MAX_IOAPIC 4
#define KERN_ACPI_MAX_OVERRIDE 16
#define KERN_ACPI_MAX_MCFG 4
#define KERN_ACPI_MAX_CPU 64

/* An I/O APIC from the MADT. */
struct kern_acpi_ioapic {
	uint8_t id;
	uint32_t addr;	   /* physical MMIO base */
	uint32_t gsi_base; /* first global system interrupt it serves */
};

/* An interrupt source override: ISA IRQ irq arrives as GSI gsi. flags are
 * the MPS INTI flags: bits 0-1 polarity (0 bus default, 1 high, 3 low),
 * bits 2-3 trigger mode (0 bus default, 1 edge, 3 level). */
struct kern_acpi_override {
	uint8_t irq;
	uint32_t gsi;
	uint16_t flags;
};

/* An MCFG entry: PCI segment's ECAM window for buses start..end. */
struct kern_acpi_mcfg {
	uint64_t base;
	uint16_t segment;
	uint8_t bus_start, bus_end;
};

/* A register given as an ACPI Generic Address Structure. */
struct kern_acpi_gas {
	uint8_t space; /* 0 system memory, 1 system I/O */
	uint8_t bit_width;
	uint64_t addr; /* 0: absent */
};

struct kern_acpi_info {
	int valid;	  /* an RSDP with a good checksum was found */
	uint8_t revision; /* RSDP revision: 0 (RSDT) or 2 (XSDT) */
	char oem[7];

	/* MADT */
	int has_madt;
	uint32_t lapic_addr;
	int ncpus; /* enabled local APICs */
	uint8_t apic_ids[KERN_ACPI_MAX_CPU];
	int pcat_compat; /* legacy 8259 PICs present (mask them) */
	struct kern_acpi_ioapic ioapic[KERN_ACPI_MAX_IOAPIC];
	int nioapic;
	struct kern_acpi_override override[KERN_ACPI_MAX_OVERRIDE];
	int noverride;

	/* MCFG */
	struct kern_acpi_mcfg mcfg[KERN_ACPI_MAX_MCFG];
	int nmcfg;

	/* FADT */
	int has_fadt;
	int hw_reduced; /* HW_REDUCED_ACPI: no PM timer, no SCI ports */
	uint16_t sci_irq;
	uint32_t smi_cmd; /* port to write acpi_enable to, 0 if none */
	uint8_t acpi_enable;
	uint32_t pm1a_evt; /* PM1a event block port (status, then enable) */
	uint8_t pm1_evt_len;
	uint32_t pm1a_cnt;  /* PM1a control block port */
	uint32_t pm_timer;  /* PM timer port, 0 if none */
	int pm_timer_32bit; /* else 24 bits */
	struct kern_acpi_gas reset_reg;
	uint8_t reset_value;
	struct kern_acpi_gas sleep_control, sleep_status; /* hardware-reduced */
};

/* Map len bytes of firmware memory at physical pa for reading; returns a
 * pointer to them or NULL. */
typedef const void *(*kern_acpi_map_fn)(uint64_t pa, size_t len);

/* Report one problem found while parsing (bad checksum, truncated table). */
typedef void (*kern_acpi_log_fn)(const char *msg, const char *sig);

/* Parse the tables reached from the RSDP at rsdp_pa into *info (zeroed
 * first). Returns 0, or -ENOENT when there is no valid RSDP; tables that
 * are missing or damaged leave their part of *info empty. */
int kern_acpi_parse(uint64_t rsdp_pa, kern_acpi_map_fn map,
		    kern_acpi_log_fn log, struct kern_acpi_info *info);

/* The GSI, trigger and polarity of ISA IRQ irq after the overrides (ISA
 * default: identity, edge, active high). */
void kern_acpi_isa_irq(const struct kern_acpi_info *info, unsigned irq,
		       unsigned *gsi, int *level, int *active_low);

/* The firmware's tables as the boot sequence parsed them. */
extern struct kern_acpi_info kern_acpi;

/* Boot step: parse the tables reached from the RSDP at rsdp_pa into
 * kern_acpi (mapping them read-only with kern_mm_map_firmware), log the
 * problems found and one summary line. rsdp_pa 0 or an invalid RSDP leaves
 * kern_acpi empty and is logged; the boot goes on. Takes the kernel option
 * acpi.dump: then every table reached (RSDP, RSDT/XSDT, their tables, the
 * DSDT and FACS) is also printed, at any log level, as lines
 * "acpi-dump SIG 0xADDR LEN HEX" of at most 32 bytes each. */
void kern_acpi_init(uint64_t rsdp_pa, struct kern_cmdline *cl);

#endif
