/* The boot's walk over the optional parts linked into the image (see
 * kern/component.h): the linker script gathers their descriptors between
 * __kern_components_start and __kern_components_end. */
#include <string.h>

#include <kern/component.h>
#include <kern/exit.h>

extern const struct kern_component __kern_components_start[];
extern const struct kern_component __kern_components_end[];

void kern_components_setup(struct kern_cmdline *cl)
{
	for (const struct kern_component *c = __kern_components_start;
	     c < __kern_components_end; c++) {
		int err = c->setup ? c->setup(cl) : 0;

		if (err)
			kern_panic("%s: set-up failed (%d)", c->name, err);
	}
}

void kern_components_start(struct kern_cmdline *cl)
{
	for (const struct kern_component *c = __kern_components_start;
	     c < __kern_components_end; c++)
		if (c->start)
			c->start(cl);
}

int kern_component_linked(const char *name)
{
	for (const struct kern_component *c = __kern_components_start;
	     c < __kern_components_end; c++)
		if (strcmp(c->name, name) == 0)
			return 1;
	return 0;
}
