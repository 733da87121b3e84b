/* The table of devices with counters behind include/os/devstats.h. */
#ifndef DRV_DEVSTATS_H
#define DRV_DEVSTATS_H

#include <os/devstats.h>

struct kern_cmdline;

struct drv_devstats {
	char name[16];
	const char *driver;
	/* fill out (zeroed, name and driver set) with the counters now */
	void (*fill)(const struct drv_devstats *ds, struct os_dev_stats *out);
	void *ctx;
};

/* Add ds (which must stay valid) to the table. 0, or -ENOSPC. */
int drv_devstats_register(struct drv_devstats *ds);

/* Take the kernel option devstats: print every device's counters at
 * exit. Call from the boot sequence before the service starts. */
void drv_devstats_init(struct kern_cmdline *cl);

#endif
