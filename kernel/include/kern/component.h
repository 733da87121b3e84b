/* Optional parts of an image (the network stack, raw network devices,
 * block devices): each registers itself with KERN_COMPONENT in the object
 * that the service's use pulls into the link, and the boot sequence runs
 * the hooks of those present, so an image contains only the parts its
 * service uses (docs/architecture.md, "What goes into an image"). */
#ifndef KERN_COMPONENT_H
#define KERN_COMPONENT_H

#include <kern/cmdline.h>

struct kern_component {
	const char *name;
	/* before devices are probed: register drivers, take options;
	 * 0 or a negative errno (the boot stops) */
	int (*setup)(struct kern_cmdline *cl);
	/* after devices are probed and the entropy pool is seeded */
	void (*start)(struct kern_cmdline *cl);
};

/* Define component id; the linker script keeps every one linked in. */
#define KERN_COMPONENT(id, ...)                                   \
	static const struct kern_component kern_component_##id    \
		__attribute__((used, section(".kern_components"), \
			       aligned(8))) = { .name = #id, __VA_ARGS__ }

/* Run every linked component's setup hook, in link order; a failing one
 * stops the boot with its name. */
void kern_components_setup(struct kern_cmdline *cl);

/* Run every linked component's start hook, in link order. */
void kern_components_start(struct kern_cmdline *cl);

/* Whether the component called name ("net", "files") is in the image. */
int kern_component_linked(const char *name);

#endif
