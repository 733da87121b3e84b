/* Symbol lookup in the table tools/mksyms embeds in the image. */
#include <string.h>

#include "debug/ksyms.h"

static const char *sym_name(const struct kern_ksym_table *t, uint32_t off)
{
	return (const char *)t + t->strtab + off;
}

const char *kern_ksym_lookup(const struct kern_ksym_table *t, uint64_t addr,
			     uint64_t *offset)
{
	uint64_t lo = 0, hi = t->count;
	const struct kern_ksym *s;

	while (lo < hi) { /* first entry with sym.addr > addr */
		uint64_t mid = lo + (hi - lo) / 2;

		if (t->sym[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	s = &t->sym[lo - 1];
	if (s->size && addr - s->addr >= s->size)
		return NULL;
	*offset = addr - s->addr;
	return sym_name(t, s->name);
}

uint64_t kern_ksym_addr(const struct kern_ksym_table *t, const char *name)
{
	for (uint64_t i = 0; i < t->count; i++)
		if (strcmp(sym_name(t, t->sym[i].name), name) == 0)
			return t->sym[i].addr;
	return 0;
}
