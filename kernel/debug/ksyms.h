/* The image's own symbol table, embedded by the second link pass
 * (tools/mksyms) so that backtraces name functions. Pure lookup code. */
#ifndef KERN_KSYMS_H
#define KERN_KSYMS_H

#include <stdint.h>

struct kern_ksym {
	uint32_t addr; /* the image is linked below 4 GiB (linker.ld) */
	uint32_t size; /* 0 when unknown (assembly labels) */
	uint32_t name; /* offset into the string table */
};

/* The layout tools/mksyms emits; entries sorted by address. */
struct kern_ksym_table {
	uint64_t count;
	uint64_t strtab; /* offset of the string table from the table start */
	struct kern_ksym sym[];
};

/* The symbol containing addr: its name, with *offset set to addr minus its
 * start. NULL if addr precedes every symbol or lies past the end of a
 * symbol whose size is known. */
const char *kern_ksym_lookup(const struct kern_ksym_table *t, uint64_t addr,
			     uint64_t *offset);

/* The address of the symbol called name, or 0. */
uint64_t kern_ksym_addr(const struct kern_ksym_table *t, const char *name);

/* This image's table and name, from the generated .ksyms section. */
extern const struct kern_ksym_table kern_ksyms;
extern const char kern_image_name[];

#endif
